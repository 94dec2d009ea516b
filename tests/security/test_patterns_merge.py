"""Saves merge into the row as it is now, not as the saver read it (the cause of lost updates),
shown deterministically with a stale copy; the concurrent proof is test_patterns_races.py."""

from connectors.models import ConnectorAccount
from connectors.services import save_account
from platforms.accounts import save_cc_account
from platforms.models import ContactCenterAccount
from tests.factories import SF_SETTINGS, make_connector


def test_a_stale_connector_save_keeps_what_others_changed(tenant):
    account = make_connector(tenant, name="Sales org")
    stale = ConnectorAccount.objects.unscoped().get(pk=account.pk)  # read before the other save
    save_account(
        account,
        actor="a",
        settings={"username": "new@acme.com"},
        credentials={"password": "rotated"},
    )
    # The page's form submits every field as it read them, plus its own change.
    save_account(
        stale, actor="b", name="Renamed", settings={**SF_SETTINGS, "client_id": "3MVG9-new"}
    )
    stored = ConnectorAccount.objects.unscoped().get(pk=account.pk)
    assert stored.settings["username"] == "new@acme.com"
    assert stored.settings["client_id"] == "3MVG9-new"
    assert stored.credentials["password"] == "rotated"
    assert stored.name == "Renamed" and stale.name == "Renamed"
    assert stale.credentials["password"] == "rotated"  # the saver's copy shows the merged row


def test_a_stale_contact_center_save_keeps_the_new_token_and_push_state(tenant):
    account = ContactCenterAccount.objects.create(
        tenant=tenant,
        name="Daktela",
        url="https://a.daktela.com",
        credentials={"access_token": "t0"},
    )
    stale = ContactCenterAccount.objects.unscoped().get(pk=account.pk)
    save_cc_account(account, {}, token="t1")
    ContactCenterAccount.objects.unscoped().filter(pk=account.pk).update(last_error="push failed")
    save_cc_account(stale, {"enabled": False})
    stored = ContactCenterAccount.objects.unscoped().get(pk=account.pk)
    assert stored.credentials == {"access_token": "t1"}
    assert stored.enabled is False and stored.last_error == "push failed"


def test_the_contact_center_page_writes_only_what_it_changed(member_client, tenant):
    account = ContactCenterAccount.objects.create(
        tenant=tenant,
        name="Daktela",
        url="https://a.daktela.com",
        credentials={"access_token": "t0"},
    )
    ContactCenterAccount.objects.unscoped().filter(pk=account.pk).update(last_error="push failed")
    response = member_client.post(
        f"/contacts/contact-center/{account.pk}/",
        {"name": "Daktela", "url": "https://b.daktela.com", "enabled": "on", "access_token": ""},
    )
    assert response.status_code == 302
    stored = ContactCenterAccount.objects.unscoped().get(pk=account.pk)
    assert stored.url == "https://b.daktela.com" and stored.last_error == "push failed"
    assert stored.credentials == {"access_token": "t0"}
