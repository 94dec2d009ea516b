"""The UI shell: login, navigation by role, tenant switching, home page."""

import pytest
from django.http import HttpRequest
from django.urls import reverse

from portal.views import server_error
from tenants.middleware import SESSION_KEY
from tenants.models import Membership, Role
from tenants.templatetags import portal_ui
from tests.conftest import make_user


def test_pages_need_login(client, db):
    for url in ("/", "/settings/", "/api-keys/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_login_lands_on_home_with_tenant(client, admin_user, tenant):
    response = client.post(
        "/accounts/login/", {"username": "admin@acme.test", "password": "pw-Secret-123"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("tenants:home")
    page = client.get("/").content.decode()
    assert "Acme" in page and "admin" in page


def test_bad_password_shows_error(client, admin_user):
    response = client.post("/accounts/login/", {"username": "admin@acme.test", "password": "no"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_logout_is_post_and_returns_to_login(member_client):
    response = member_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert member_client.get("/").status_code == 302


def test_user_without_tenant_sees_explanation(client, db):
    client.force_login(make_user("lonely@x.test"))
    response = client.get("/")
    assert response.status_code == 403
    assert "not a member of any tenant" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "sees_admin_items"),
    [(Role.ADMIN, True), (Role.SUPPORT, False), (Role.VIEWER, False)],
)
def test_navigation_is_role_aware(client, tenant, role, sees_admin_items):
    client.force_login(make_user(f"{role}@acme.test", tenant, role))
    html = client.get("/").content.decode()
    assert ('href="/settings/"' in html) is sees_admin_items
    assert ('href="/api-keys/"' in html) is sees_admin_items


def test_sections_without_a_landing_page_are_hidden(member_client, monkeypatch):

    monkeypatch.setattr(
        portal_ui,
        "SECTIONS",
        [*portal_ui.SECTIONS, portal_ui.Section("nowhere:index", "Ghost", "-", "zap")],
    )
    response = member_client.get("/")
    assert response.status_code == 200 and "Ghost" not in response.content.decode()


def test_switch_tenant_changes_current_tenant(client, admin_user, tenant, other_tenant):
    Membership.objects.create(user=admin_user, tenant=other_tenant, role=Role.VIEWER)
    client.force_login(admin_user)
    assert "<h1>Acme</h1>" in client.get("/").content.decode()
    response = client.post("/switch-tenant/", {"tenant": other_tenant.pk, "next": "/settings/"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    assert client.session[SESSION_KEY] == other_tenant.pk
    html = client.get("/").content.decode()
    assert "<h1>Globex</h1>" in html and 'href="/api-keys/"' not in html  # viewer there


def test_switch_to_foreign_tenant_is_refused(member_client, other_tenant, tenant):
    response = member_client.post("/switch-tenant/", {"tenant": other_tenant.pk}, follow=True)
    assert "not a member of that tenant" in response.content.decode()
    assert "<h1>Acme</h1>" in response.content.decode()


def test_switch_ignores_offsite_next(member_client, tenant):
    response = member_client.post(
        "/switch-tenant/", {"tenant": tenant.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_password_reset_sends_email_with_working_link(client, admin_user, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "admin@acme.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "n3w-Secret-456", "new_password2": "n3w-Secret-456"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    # django-axes' backend needs the request (its docs: pass one to client.login)
    assert client.login(
        request=HttpRequest(), username="admin@acme.test", password="n3w-Secret-456"
    )


def test_password_reset_pages_render(client, db):
    assert "Reset your password" in client.get("/accounts/password_reset/").content.decode()
    assert "Check your email" in client.get("/accounts/password_reset/done/").content.decode()
    assert "expired" in client.get("/accounts/reset/xx/yy-zz/").content.decode()
    assert "password is set" in client.get("/accounts/reset/done/").content.decode()


def test_404_page_is_styled_and_api_404_is_json(member_client):
    response = member_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "belongs to another tenant" in response.content.decode()
    response = member_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_password_change(member_client, admin_user):
    assert (
        "Change your password" in member_client.get("/accounts/password_change/").content.decode()
    )
    response = member_client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-Secret-123",
            "new_password1": "n3w-Secret-456",
            "new_password2": "n3w-Secret-456",
        },
        follow=True,
    )
    assert "Your password has been changed" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password("n3w-Secret-456")


def test_empty_state_include_renders_title_text_and_action():
    from django.template.loader import render_to_string

    html = render_to_string(
        "includes/empty_state.html",
        {
            "title": "No calls yet",
            "text": "Post events.",
            "action_url": "/x/",
            "action_label": "Go",
        },
    )
    assert 'class="empty-state"' in html and "No calls yet" in html and "Post events." in html
    assert '<a class="btn primary" href="/x/">Go</a>' in html
    bare = render_to_string("includes/empty_state.html", {"title": "Nothing"})
    assert "Nothing" in bare and "<a " not in bare


def test_500_page_is_standalone(rf, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/anything/")
    request.user, request.membership, request.tenant = AnonymousUser(), None, None
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "portal.css" in html
    api = rf.get("/api/v1/anything/")
    assert server_error(api)["Content-Type"] == "application/json"


def test_pagination_include_keeps_filters(rf):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    request = rf.get("/calls/", {"phone": "+420 1", "page": "2"})
    page_obj = Paginator(list(range(25)), 10).page(2)
    html = render_to_string("includes/pagination.html", {"page_obj": page_obj}, request=request)
    assert "11–20 of 25" in html and "Page 2 of 3" in html
    assert 'href="?phone=%2B420+1&amp;page=1"' in html
    assert 'href="?phone=%2B420+1&amp;page=3"' in html


def test_pages_show_times_in_the_tenant_time_zone_and_the_api_in_utc(member_client, tenant):
    from datetime import UTC, datetime

    from django.utils import timezone

    from tests.conftest import api_client_for
    from tests.factories import make_connector

    connector = make_connector(tenant, name="Sales org")
    connector.authorized_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    connector.save(update_fields=["authorized_at"])

    assert "15 Jan 2026, 13:00" in member_client.get("/integrations/").content.decode()
    tenant.time_zone = "America/New_York"
    tenant.save(update_fields=["time_zone"])
    assert "15 Jan 2026, 07:00" in member_client.get("/integrations/").content.decode()
    # the zone is the request's only: nothing leaks into this thread's next request
    assert timezone.get_current_timezone_name() == "UTC"
    api = api_client_for(tenant).get(f"/api/v1/connectors/{connector.pk}/").json()
    assert api["authorized_at"].startswith("2026-01-15T12:00:00")
