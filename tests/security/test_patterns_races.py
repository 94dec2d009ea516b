"""Races on real PostgreSQL: concurrent PATCHes lose nothing, concurrent creates/renames of one
name answer one 201 and 400s naming the field, never a 500 (each thread its own APIClient and
database connection, lined up on a barrier)."""

import threading

import pytest
from django.db import connection

from connectors.models import ConnectorAccount
from contacts.models import UserMapping
from platforms.models import ContactCenterAccount
from tests.conftest import api_client_for
from tests.factories import SF_CREDENTIALS, SF_SETTINGS, make_connector

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def concurrently(calls) -> list:
    """Run each (client, method, url, body) at once; the responses, in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)
    for client, *_ in calls:
        client.raise_request_exception = False  # a 500 is an answer here, to assert on

    def run(i, client, method, url, body):
        try:
            barrier.wait()
            results[i] = getattr(client, method)(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_patches_of_different_keys_all_survive(tenant):
    account = make_connector(tenant, name="Sales org")
    url = f"/api/v1/connectors/{account.pk}/"
    a, b = api_client_for(tenant), api_client_for(tenant)
    for i in range(15):
        first, second = concurrently(
            [
                (a, "patch", url, {"settings": {"username": f"api{i}@acme.com"}}),
                (
                    b,
                    "patch",
                    url,
                    {
                        "settings": {"client_id": f"3MVG9-{i}"},
                        "credentials": {"password": f"pw-{i}"},
                    },
                ),
            ]
        )
        assert (first.status_code, second.status_code) == (200, 200), (
            first.content,
            second.content,
        )
        stored = ConnectorAccount.objects.unscoped().get(pk=account.pk)
        assert stored.settings["username"] == f"api{i}@acme.com", f"round {i}: username lost"
        assert stored.settings["client_id"] == f"3MVG9-{i}", f"round {i}: client_id lost"
        assert stored.credentials["password"] == f"pw-{i}", f"round {i}: password reverted"
        assert stored.credentials["client_secret"] == SF_CREDENTIALS["client_secret"]
        assert stored.settings["instance_url"] == SF_SETTINGS["instance_url"]


def test_password_rotation_is_never_reverted_by_a_settings_patch(tenant):
    account = make_connector(tenant, name="Sales org")
    url = f"/api/v1/connectors/{account.pk}/"
    a, b = api_client_for(tenant), api_client_for(tenant)
    for i in range(15):
        rotate, rename = concurrently(
            [
                (a, "patch", url, {"credentials": {"password": f"rotated-{i}"}}),
                (b, "patch", url, {"name": f"Sales org {i}"}),
            ]
        )
        assert rotate.status_code == 200 and rename.status_code == 200
        stored = ConnectorAccount.objects.unscoped().get(pk=account.pk)
        assert stored.credentials["password"] == f"rotated-{i}", f"round {i}"
        assert stored.name == f"Sales org {i}"


def test_contact_center_patches_of_different_fields_all_survive(tenant):
    api = api_client_for(tenant)
    created = api.post(
        "/api/v1/contact-center/",
        {
            "kind": "daktela",
            "name": "Daktela",
            "url": "https://acme.daktela.com",
            "access_token": "t0",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/contact-center/{created.json()['id']}/"
    a, b = api_client_for(tenant), api_client_for(tenant)
    for i in range(15):
        first, second = concurrently(
            [
                (a, "patch", url, {"access_token": f"token-{i}"}),
                (b, "patch", url, {"enabled": i % 2 == 0, "url": f"https://acme{i}.daktela.com"}),
            ]
        )
        assert (first.status_code, second.status_code) == (200, 200)
        stored = ContactCenterAccount.objects.unscoped().get(pk=created.json()["id"])
        assert stored.credentials["access_token"] == f"token-{i}", f"round {i}: token reverted"
        assert stored.enabled is (i % 2 == 0) and stored.url == f"https://acme{i}.daktela.com"


def _one_created_rest_name_the_field(responses, field: str):
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [400] * (len(responses) - 1), [r.content for r in responses]
    for r in responses:
        if r.status_code == 400:
            error = r.json()["error"]
            assert error["code"] == "validation_error" and list(error["fields"]) == [field], error


N = 6


def test_concurrent_connector_creates_with_one_name(tenant):
    body = {
        "kind": "salesforce",
        "name": "Sales org",
        "settings": SF_SETTINGS,
        "credentials": SF_CREDENTIALS,
    }
    for round_ in range(3):
        body["name"] = f"Sales org {round_}"
        clients = [api_client_for(tenant) for _ in range(N)]
        responses = concurrently([(c, "post", "/api/v1/connectors/", body) for c in clients])
        _one_created_rest_name_the_field(responses, "name")
    assert ConnectorAccount.objects.filter(tenant=tenant).count() == 3


def test_concurrent_connector_renames_to_one_name(tenant):
    accounts = [make_connector(tenant, name=f"Org {i}") for i in range(N)]
    clients = [api_client_for(tenant) for _ in range(N)]
    responses = concurrently(
        [
            (c, "patch", f"/api/v1/connectors/{a.pk}/", {"name": "Taken"})
            for c, a in zip(clients, accounts, strict=True)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [400] * (N - 1), [r.content for r in responses]
    assert all(
        list(r.json()["error"]["fields"]) == ["name"] for r in responses if r.status_code == 400
    )
    assert ConnectorAccount.objects.filter(tenant=tenant, name="Taken").count() == 1


def test_concurrent_contact_center_creates_with_one_name(tenant):
    body = {
        "kind": "daktela",
        "name": "Daktela",
        "url": "https://acme.daktela.com",
        "access_token": "t",
    }
    clients = [api_client_for(tenant) for _ in range(N)]
    responses = concurrently([(c, "post", "/api/v1/contact-center/", body) for c in clients])
    _one_created_rest_name_the_field(responses, "name")
    assert ContactCenterAccount.objects.filter(tenant=tenant).count() == 1


def test_concurrent_user_mapping_creates_for_one_agent(tenant):
    connector = make_connector(tenant)
    body = {"connector": connector.pk, "agent_id": "jdoe", "agent_email": "j.doe@acme.com"}
    clients = [api_client_for(tenant) for _ in range(N)]
    responses = concurrently([(c, "post", "/api/v1/user-mappings/", body) for c in clients])
    _one_created_rest_name_the_field(responses, "agent_id")
    assert UserMapping.objects.unscoped().filter(connector=connector).count() == 1
