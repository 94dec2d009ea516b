"""GET /widget/activity/ (seed 000): auth by session or signed token, framing headers, content."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.utils import timezone

from connectors.models import ConnectorAccount
from realtime.widget import SALT, create_contact_url, sign_token, verify_token, widget_url
from tests.realtime.helpers import connector_for, make_contact, make_widget_token

URL = "/widget/activity/"
CALLER = "+420773794804"


def frame_ancestors(response) -> str:
    directives = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    return next(d for d in directives if d.startswith("frame-ancestors"))


def get(client, **params):
    return client.get(URL, {"clid": CALLER, "direction": "in", "callid": "1WS.58184", **params})


@pytest.fixture
def acme_contacts(tenant):
    return [
        make_contact(
            tenant, CALLER, first_name="Jiri", last_name="Havicek", email="jiri@daktela.com"
        ),
        make_contact(
            tenant, "773 794 804", first_name="Jiri", last_name="Havicek", email="jiri@zscout.eu"
        ),
        make_contact(tenant, "+420111222333", first_name="Other", last_name="Person"),
    ]


def test_logged_in_member_sees_all_matching_contacts(client, admin_user, acme_contacts):
    client.force_login(admin_user)
    response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Havicek") == 2 and "jiri@zscout.eu" in html and "Other" not in html
    assert f'href="{acme_contacts[0].crm_url}" target="_blank"' in html
    assert all(f"<th>{h}</th>" in html for h in ("Name", "Phone", "Type", "CRM"))
    assert html.count('<span class="badge">Contact</span>') == 2  # the record type
    assert html.count(f"{acme_contacts[0].connector.name}<span") == 2  # the CRM it lives in
    assert 'class="topbar"' not in html  # compact page, not the full layout


def test_token_opens_the_widget_without_a_session(client, tenant, acme_contacts):
    token = sign_token(make_widget_token(tenant))
    response = get(client, token=token)
    assert response.status_code == 200
    assert "jiri@daktela.com" in response.content.decode()


def test_framing_headers(client, tenant, acme_contacts):
    tenant.frame_ancestors = ["https://acme.daktela.com", "https://*.crm4.dynamics.com"]
    tenant.save()
    response = get(client, token=sign_token(make_widget_token(tenant)))
    assert "X-Frame-Options" not in response.headers
    # One CSP header (django-csp's), its frame-ancestors replaced by the tenant's origins.
    assert frame_ancestors(response) == (
        "frame-ancestors 'self' https://acme.daktela.com https://*.crm4.dynamics.com"
    )
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # every other page keeps DENY
    assert client.get("/accounts/login/").headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t + "a"]
)
def test_bad_token_is_403_with_a_clear_message(client, tenant, acme_contacts, mangle):
    response = get(client, token=mangle(sign_token(make_widget_token(tenant))))
    assert response.status_code == 403
    html = response.content.decode()
    assert "not valid" in html and "Havicek" not in html
    assert frame_ancestors(response) == "frame-ancestors 'self'"


def test_token_signed_with_another_salt_is_refused(client, tenant, acme_contacts):
    row = make_widget_token(tenant)
    forged = signing.TimestampSigner(salt="other").sign_object(
        {"t": tenant.pk, "k": row.pk, "e": 0}
    )
    assert get(client, token=forged).status_code == 403
    assert SALT != "other"


def test_expired_and_revoked_tokens(client, tenant, acme_contacts):
    expired = make_widget_token(tenant, expires_at=timezone.now() - timedelta(seconds=1))
    response = get(client, token=sign_token(expired))
    assert response.status_code == 403 and "expired" in response.content.decode()
    live = make_widget_token(tenant, expires_at=timezone.now() + timedelta(days=1))
    token = sign_token(live)
    assert get(client, token=token).status_code == 200
    live.revoke()
    response = get(client, token=token)
    assert response.status_code == 403 and "revoked" in response.content.decode()


def test_other_tenants_token_never_shows_our_contacts(client, tenant, other_tenant, acme_contacts):
    make_contact(other_tenant, CALLER, first_name="Globex", last_name="Caller")
    response = get(client, token=sign_token(make_widget_token(other_tenant)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Globex" in html and "Havicek" not in html


def test_token_claiming_another_tenant_is_refused(client, tenant, other_tenant, acme_contacts):
    theirs = make_widget_token(other_tenant)
    forged = signing.TimestampSigner(salt=SALT).sign_object(
        {"t": tenant.pk, "k": theirs.pk, "e": 0}
    )
    assert get(client, token=forged).status_code == 403  # (needs SECRET_KEY anyway)


def test_member_of_other_tenant_sees_only_their_contacts(client, other_tenant, acme_contacts):
    from tests.conftest import make_user

    client.force_login(make_user("boss@globex.test", other_tenant))
    response = get(client)
    assert response.status_code == 200
    assert "Havicek" not in response.content.decode()
    assert "No contact found" in response.content.decode()


def test_anonymous_without_token_is_403_not_a_login_redirect(client, acme_contacts):
    response = get(client)
    assert response.status_code == 403
    assert "Sign in" in response.content.decode()


def test_no_contact_offers_create_links_per_crm(client, admin_user, tenant):
    connector_for(tenant)
    ConnectorAccount.objects.create(  # rows only: the widget reads kind + instance_url
        tenant=tenant,
        kind="dynamics365",
        name="D365",
        settings={"instance_url": "https://org.crm4.dynamics.com"},
    )
    client.force_login(admin_user)
    html = get(client, clid="+420 999 000 111").content.decode()
    assert "No contact found" in html
    assert (
        "https://acme.my.salesforce.com/lightning/o/Contact/new?defaultFieldValues=Phone=%2B420%20999%20000%20111"
        in html
    )
    assert (
        "https://org.crm4.dynamics.com/main.aspx?etn=contact&amp;pagetype=entityrecord"
        "&amp;extraqs=telephone1%3D%2B420%20999%20000%20111" in html
    )


def test_create_contact_urls():
    assert create_contact_url("sugarcrm", "https://sugar.example.com/", "1") == (
        "https://sugar.example.com/#Contacts/create"
    )
    assert create_contact_url("retailcrm", "https://shop.retailcrm.ru", "1").endswith(
        "/customers/add"
    )
    assert create_contact_url("salesforce", "javascript:alert(1)", "1") == ""


def test_widget_url_template_carries_placeholders_and_token(tenant):
    row = make_widget_token(tenant)
    url = widget_url(row, base="https://portal.example.com")
    assert url.startswith(
        "https://portal.example.com/widget/activity/?clid={clid}&direction={direction}"
        "&callid={callid}&activity={activity}&token="
    )
    token = parse_qs(urlparse(url).query)["token"][0]
    assert sign_token  # the token verifies as this tenant's

    assert verify_token(token)[0] == tenant


def test_unencoded_plus_in_clid_is_kept(client, admin_user, acme_contacts):
    client.force_login(admin_user)
    response = client.get(URL + "?clid=+420773794804&direction=in")  # '+' decodes to a space
    html = response.content.decode()
    assert "+420773794804</strong>" in html and "jiri@zscout.eu" in html


def test_frame_ancestors_header_drops_values_that_are_not_origins(client, tenant):
    tenant.frame_ancestors = ["https://ok.example.com", "https://x.example.com; script-src *", 7]
    tenant.save()  # bypasses the API's validation on purpose
    response = get(client, token=sign_token(make_widget_token(tenant)))
    assert frame_ancestors(response) == "frame-ancestors 'self' https://ok.example.com"


def test_odd_input_never_breaks_the_widget(client, admin_user, acme_contacts):
    client.force_login(admin_user)
    for clid in ["\x00773794804", "x" * 5000, "+", "%", "' OR 1=1 --"]:
        assert get(client, clid=clid).status_code == 200, clid
