"""Click-to-call through Daktela (real HTTP to the simulator): the platform call, its errors,
and the widget's Call link (session + CSRF, tenant-scoped)."""

import pytest
from django.test import Client

from connectors.errors import AuthError, ConnectorError
from contacts.models import UserMapping
from platforms.click_to_call import NoPlatform, place_call
from platforms.models import ContactCenterAccount
from platforms.registry import platform_for
from platforms.types import CallRequest
from realtime.widget import sign_token
from tests.conftest import make_user
from tests.realtime.helpers import connector_for, make_contact, make_widget_token

CALLER = "+420773794804"
WIDGET, CALL = "/widget/activity/", "/widget/activity/call/"


def test_place_call_for_the_agent(daktela, daktela_sim):
    call_id = platform_for(daktela).place_call(CallRequest(agent_id="jdoe", number=CALLER))
    assert call_id == "1WS.sim1"
    assert daktela_sim.placed == [{"user": "jdoe", "number": CALLER, "id_call": "1WS.sim1"}]


def test_outbound_queue_from_settings(daktela, daktela_sim):
    daktela.settings = {"outbound_queue": "2000"}
    daktela.save()
    platform_for(daktela).place_call(CallRequest(agent_id="asmith", number=CALLER))
    assert daktela_sim.placed[0]["queue"] == "2000"


def test_dispatcher_uses_the_tenants_platform(tenant, daktela, daktela_sim):
    account, call_id = place_call(tenant, CallRequest(agent_id="jdoe", number=CALLER))
    assert account == daktela and call_id


def test_unknown_user_is_a_clear_error(daktela, daktela_sim):
    with pytest.raises(ConnectorError) as err:
        platform_for(daktela).place_call(CallRequest(agent_id="nobody", number=CALLER))
    assert "Daktela sim: could not place a call for nobody" in str(err.value)
    assert "User 'nobody' does not exist" in str(err.value) and err.value.permanent


def test_bad_token_says_what_to_fix(daktela, daktela_sim):
    daktela.credentials = {"access_token": "wrong"}
    with pytest.raises(AuthError) as err:
        platform_for(daktela).place_call(CallRequest(agent_id="jdoe", number=CALLER))
    assert str(err.value).startswith("The access token of Daktela sim is not valid: ")
    assert not daktela_sim.placed


def test_no_agent_is_refused_before_daktela(daktela, daktela_sim):
    with pytest.raises(ConnectorError, match="map the agent"):
        platform_for(daktela).place_call(CallRequest(agent_id="", number=CALLER))
    assert not [r for r in daktela_sim.requests if r[0] == "POST"]


def test_disabled_platform_places_nothing(tenant, daktela, daktela_sim):
    daktela.enabled = False
    daktela.save()
    with pytest.raises(NoPlatform):
        place_call(tenant, CallRequest(agent_id="jdoe", number=CALLER))


# --- the widget's Call link -----------------------------------------------------------------


@pytest.fixture
def agent(tenant, admin_user):
    """The signed-in portal user is agent jdoe (its user mapping carries the user's e-mail)."""
    UserMapping.objects.create(
        tenant=tenant,
        connector=connector_for(tenant),
        agent_id="jdoe",
        agent_email=admin_user.email,
    )
    make_contact(tenant, CALLER, first_name="Jiri", last_name="Havicek")
    return admin_user


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_call(client, number=CALLER):
    token = "a" * 32  # a CSRF cookie and the same form token, as the page's form sends them
    client.cookies["csrftoken"] = token
    return client.post(CALL, {"number": number, "clid": CALLER, "csrfmiddlewaretoken": token})


def test_widget_shows_call_link_and_places_the_call(daktela, daktela_sim, agent):
    client = csrf_client(agent)
    html = client.get(WIDGET, {"clid": CALLER}).content.decode()
    assert 'action="/widget/activity/call/"' in html and f'aria-label="Call {CALLER}"' in html
    response = post_call(client)
    assert response.status_code == 200, response.content.decode()[:500]
    assert "Calling +420773794804 through Daktela sim" in response.content.decode()
    assert daktela_sim.placed[0]["user"] == "jdoe" and daktela_sim.placed[0]["number"] == CALLER


def test_widget_call_shows_the_platform_error(daktela, daktela_sim, agent):
    UserMapping.objects.unscoped().filter(agent_id="jdoe").update(agent_id="ghost")
    response = post_call(csrf_client(agent))
    assert response.status_code == 400
    assert "User &#x27;ghost&#x27; does not exist" in response.content.decode()


def test_widget_call_needs_csrf(daktela, daktela_sim, agent):
    client = csrf_client(agent)
    response = client.post(CALL, {"number": CALLER, "clid": CALLER})
    assert response.status_code == 403 and not daktela_sim.placed


def test_widget_call_needs_a_session(client, daktela, daktela_sim):
    assert client.post(CALL, {"number": CALLER}).status_code == 403
    assert not daktela_sim.placed


def test_widget_call_unmapped_user(daktela, daktela_sim, tenant, admin_user):
    make_contact(tenant, CALLER, first_name="Jiri", last_name="Havicek")
    response = post_call(csrf_client(admin_user))
    assert (
        response.status_code == 400 and "is not a contact-center agent" in response.content.decode()
    )


def test_widget_call_is_tenant_scoped(daktela, daktela_sim, agent, other_tenant):
    """Another tenant's user (even with the same e-mail mapped there) places nothing through
    this tenant's Daktela; without a platform of its own it is told so."""
    other = make_user("agent@globex.test", other_tenant)
    UserMapping.objects.create(
        tenant=other_tenant,
        connector=connector_for(other_tenant),
        agent_id="jdoe",
        agent_email=other.email,
    )
    response = post_call(csrf_client(other))
    assert response.status_code == 400 and "No contact-center platform" in response.content.decode()
    assert not daktela_sim.placed
    assert (
        "activity-widget-call"
        not in csrf_client(other).get(WIDGET, {"clid": CALLER}).content.decode()
    )


def test_no_call_link_without_platform(tenant, agent):
    assert not ContactCenterAccount.objects.for_tenant(tenant).exists()
    html = csrf_client(agent).get(WIDGET, {"clid": CALLER}).content.decode()
    assert "Havicek" in html and 'action="/widget/activity/call/"' not in html


def test_no_call_link_with_token(tenant, daktela, agent):
    html = Client().get(WIDGET, {"clid": CALLER, "token": sign_token(make_widget_token(tenant))})
    assert 'action="/widget/activity/call/"' not in html.content.decode()
