"""The Dynamics simulator and the $batch codec on their own: what the connector relies on."""

import json

import requests

from connectors.dynamics365 import batch
from connectors.models import ConnectorAccount
from simulators.dynamics365 import Dynamics365Simulator
from simulators.dynamics365 import data as sim_data
from tests.connectors import test_dynamics_support as support

sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture


def token_for(sim) -> tuple[requests.Session, dict]:
    session = sim.session()
    session.trust_env = False
    form = {
        "grant_type": "client_credentials",
        "client_id": sim_data.CLIENT_ID,
        "client_secret": sim_data.CLIENT_SECRET,
        "scope": f"{sim.url}/.default",
    }
    reply = session.post(f"{sim.url}/{sim_data.TENANT_ID}/oauth2/v2.0/token", data=form)
    assert reply.status_code == 200, reply.text
    return session, {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_batch_codec_round_trip():
    ctype, body = batch.build_request(
        [
            [
                batch.Part(
                    "PATCH",
                    "https://x/api/data/v9.2/phonecalls(cc_callkey='a')",
                    body={"subject": "--"},
                )
            ]
        ]
    )
    [(is_changeset, [part])] = batch.parse_request(ctype, body)
    assert is_changeset and part.method == "PATCH" and part.content_id == "1"
    assert json.loads(part.body) == {"subject": "--"}
    ctype, body = batch.build_response(
        [
            (
                True,
                [
                    batch.Part(
                        status=201, headers={"OData-EntityId": "u"}, body=b"{}", content_id="1"
                    )
                ],
            ),
            (False, [batch.Part(status=400, body=b'{"error":{"code":"c","message":"m"}}')]),
        ]
    )
    first, second = batch.parse_response(ctype, body)
    assert first[0].status == 201 and first[0].headers["odata-entityid"] == "u"
    assert second[0].status == 400 and second[0].json()["error"]["message"] == "m"


def test_openid_configuration_points_at_the_simulator(sim):
    session = sim.session()
    session.trust_env = False
    config = session.get(
        f"{sim.url}/{sim_data.TENANT_DOMAIN}/v2.0/.well-known/openid-configuration"
    ).json()
    assert config["token_endpoint"] == f"{sim.url}/{sim_data.TENANT_ID}/oauth2/v2.0/token"
    assert config["issuer"].startswith(sim.url)
    missing = session.get(f"{sim.url}/nope/v2.0/.well-known/openid-configuration")
    assert missing.status_code == 400 and missing.json()["error_codes"] == [90002]


def test_unauthenticated_web_api_call_is_401(sim):
    session = sim.session()
    session.trust_env = False
    reply = session.get(f"{sim.url}/api/data/v9.2/WhoAmI")
    assert reply.status_code == 401 and "Bearer" in reply.headers["WWW-Authenticate"]


def test_batch_without_continue_on_error_stops_at_the_first_failure(sim):
    session, headers = token_for(sim)
    base = f"{sim.url}/api/data/v9.2"
    bad_owner = {
        "subject": "x",
        "ownerid@odata.bind": "/systemusers(00000000-0000-4000-8000-000000000009)",
    }
    changesets = [
        [batch.Part("PATCH", f"{base}/phonecalls(cc_callkey='k1')", body={"subject": "one"})],
        [batch.Part("PATCH", f"{base}/phonecalls(cc_callkey='k2')", body=bad_owner)],
        [batch.Part("PATCH", f"{base}/phonecalls(cc_callkey='k3')", body={"subject": "three"})],
    ]
    ctype, body = batch.build_request(changesets)
    reply = session.post(f"{base}/$batch", data=body, headers={**headers, "Content-Type": ctype})
    groups = batch.parse_response(reply.headers["Content-Type"], reply.content)
    assert [g[0].status for g in groups] == [204, 404]  # Dataverse stops here by default
    assert set(sim.phonecalls) == {"k1"}


def test_multi_request_change_set_is_atomic(sim):
    session, headers = token_for(sim)
    base = f"{sim.url}/api/data/v9.2"
    changeset = [
        batch.Part("PATCH", f"{base}/phonecalls(cc_callkey='a1')", body={"subject": "kept?"}),
        batch.Part("PATCH", f"{base}/phonecalls(cc_callkey='a2')", body={"nosuchcolumn": 1}),
    ]
    ctype, body = batch.build_request([changeset])
    reply = session.post(f"{base}/$batch", data=body, headers={**headers, "Content-Type": ctype})
    [[failed]] = batch.parse_response(reply.headers["Content-Type"], reply.content)
    assert (
        failed.status == 400
        and "Invalid property 'nosuchcolumn'" in failed.json()["error"]["message"]
    )
    assert sim.phonecalls == {}  # the first write was rolled back


def test_filter_errors_are_odata_400s(sim):
    session, headers = token_for(sim)
    url = f"{sim.url}/api/data/v9.2/contacts"
    reply = session.get(url, params={"$filter": "nosuch eq 1"}, headers=headers)
    assert (
        reply.status_code == 400 and "Could not find a property" in reply.json()["error"]["message"]
    )
    reply = session.get(
        url,
        params={"$filter": "contains(telephone1,'794 804') and statecode eq 0"},
        headers=headers,
    )
    assert [r["lastname"] for r in reply.json()["value"]] == ["Havicek"]


def test_alternate_key_values_reject_unsafe_characters(sim):
    session, headers = token_for(sim)
    url = f"{sim.url}/api/data/v9.2/phonecalls(cc_callkey='a:b')"
    reply = session.patch(url, json={"subject": "x"}, headers=headers)
    assert reply.status_code == 400 and "not allowed" in reply.json()["error"]["message"]


def test_seed_demo_creates_an_unauthorized_account(tenant):
    Dynamics365Simulator.seed_demo(tenant, "https://localhost:8702")
    Dynamics365Simulator.seed_demo(tenant, "https://localhost:8702")  # idempotent
    [account] = ConnectorAccount.objects.for_tenant(tenant).filter(kind="dynamics365")
    assert account.settings["instance_url"] == "https://localhost:8702"
    assert account.settings["authority_host"] == "https://localhost:8702"
    assert account.credentials == {"client_secret": sim_data.CLIENT_SECRET}
    assert account.status == "unconfigured"
