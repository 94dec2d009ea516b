"""Subject templates: placeholders only (API and forms), safe rendering of old rows, and a bad
stored template failing its own decision only, over real HTTP against the Salesforce simulator."""

import pytest

from automations.models import Trigger
from calls.models import CallSyncSettings
from delivery.models import SyncRecord
from portal import cache as ttl_cache
from portal.placeholders import TemplateError, render
from tests.calls.conftest import event
from tests.factories import authorized_salesforce, make_connector

pytestmark = pytest.mark.simulator(contacts=3)  # the seed of salesforce_sim (tests/conftest.py)

REFUSED = [
    "{caller:>99999999999999999999}",
    "{caller:>100000000}",
    "Call {caller!r}",
    "{caller!s:>9}",
    "{caller.__class__}",
    "{caller[0]}",
    "{0}",
    "{}",
    "{caller:{queue}}",
]


@pytest.mark.parametrize("template", REFUSED)
def test_api_refuses_specs_and_conversions(api, tenant, template):
    connector = make_connector(tenant)
    url = f"/api/v1/connectors/{connector.pk}/call-sync-settings/"
    response = api.put(url, {"subject_template": template}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("subject_template: ")
    assert list(error["fields"]) == ["subject_template"]
    assert CallSyncSettings.for_connector(connector).subject_template == "{direction} call {phone}"

    body = {"connector": connector.pk, "name": "T", "subject_template": template}
    response = api.post("/api/v1/triggers/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["subject_template"]
    assert not Trigger.objects.unscoped().exists()


def test_api_still_accepts_placeholders_and_literal_braces(api, tenant):
    connector = make_connector(tenant)
    url = f"/api/v1/connectors/{connector.pk}/call-sync-settings/"
    template = "{{CC}} {direction} call {phone}"
    assert api.put(url, {"subject_template": template}, format="json").status_code == 200
    assert CallSyncSettings.for_connector(connector).subject_template == template


@pytest.mark.parametrize("template", ["{caller:>99}", "{caller!r}", "{caller.real}"])
def test_forms_refuse_specs_and_conversions(member_client, tenant, template):
    connector = make_connector(tenant)
    response = member_client.post(
        f"/calls/settings/{connector.pk}/",
        {
            "enabled": "on",
            "min_duration_seconds": "0",
            "start_margin_seconds": "60",
            "subject_template": template,
        },
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["subject_template"]
    assert CallSyncSettings.for_connector(connector).subject_template == "{direction} call {phone}"

    response = member_client.post(
        "/automations/triggers/new/",
        {"name": "X", "connector": connector.pk, "subject_template": template},
    )
    assert response.context["form"].errors["subject_template"]
    assert not Trigger.objects.unscoped().exists()


@pytest.mark.parametrize("template", REFUSED + ["{nope}", "{caller"])
def test_rendering_an_old_row_refuses_instead_of_formatting(template):
    with pytest.raises(TemplateError):
        render(template, {"caller": "+420", "queue": "Support"})


def test_rendering_is_bounded():
    assert len(render("{caller}" * 10_000, {"caller": "x" * 100}, max_length=255)) == 255
    assert render("{{x}} {caller}", {"caller": None}) == "{x} "


# --- one bad stored template fails its own decisions only -----------------------------------


@pytest.fixture(autouse=True)
def _clear_caches():

    ttl_cache.clear_all()  # the TTL caches (portal.cache): call-event connectors


def _missed(n: int) -> list[dict]:
    caller = f"+42077379{n:04d}"
    at = f"2026-11-20T1{n}:00:00+01:00"
    return [
        event(f"M{n}", "ringing", at, caller=caller),
        event(f"M{n}", "missed", at.replace(":00:00", ":00:30"), caller=caller),
    ]


def test_bad_stored_template_fails_only_its_own_decisions(
    api, member_client, tenant, salesforce_sim, django_capture_on_commit_callbacks
):
    bad = authorized_salesforce(tenant, salesforce_sim, name="Bad template")
    good = authorized_salesforce(tenant, salesforce_sim, name="Good template")
    # Saved before templates were checked (a direct write, as an old row would be).
    CallSyncSettings.for_connector(bad)
    CallSyncSettings.objects.unscoped().filter(connector=bad).update(
        subject_template="{caller:>99999999999999999999}"
    )
    Trigger.objects.create(
        tenant=tenant, connector=good, name="Broken", subject_template="Missed {caller}"
    )
    Trigger.objects.unscoped().filter(name="Broken").update(
        subject_template="{caller!r:>100000000}"
    )
    Trigger.objects.create(
        tenant=tenant, connector=good, name="Fine", subject_template="Missed call from {caller}"
    )
    events = [e for n in range(1, 4) for e in _missed(n)]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/call-events/", events, format="json").status_code == 202

    rows = SyncRecord.objects.filter(tenant_id=tenant.pk)
    bad_logs = rows.filter(connector=bad, kind="call_log")
    assert bad_logs.count() == 3
    assert set(bad_logs.values_list("state", "reason")) == {("skipped", "bad_template")}
    good_logs = rows.filter(connector=good, kind="call_log")
    assert set(good_logs.values_list("state", flat=True)) == {"synced"}
    assert good_logs.count() == 3
    tickets = rows.filter(kind="ticket")
    assert (
        sorted(tickets.values_list("reason_detail__trigger", "state", "reason"))
        == [
            ("Broken", "skipped", "bad_template"),
        ]
        * 3
        + [("Fine", "synced", "")] * 3
    )
    numbers = [f"+42077379{n:04d}" for n in (1, 2, 3)]
    assert sorted(t["Subject"] for t in salesforce_sim.tasks.values()) == [
        f"Inbound call {p} (missed)" for p in numbers
    ]
    assert sorted(c["Subject"] for c in salesforce_sim.cases.values()) == [
        f"Missed call from {p}" for p in numbers
    ]

    call = rows.filter(connector=bad).first().call
    sync = api.get(f"/api/v1/calls/{call.pk}/").json()["sync"]
    skipped = [s for s in sync if s["reason"] == "bad_template"]
    assert len(skipped) == 2  # the call log of "Bad template" and the "Broken" ticket
    assert all("subject template cannot be used" in s["reason_text"] for s in skipped)
    assert "format spec" in skipped[0]["reason_text"]
    page = member_client.get(f"/calls/{call.pk}/").content.decode()
    assert "subject template cannot be used" in page
