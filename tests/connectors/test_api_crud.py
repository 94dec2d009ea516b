from connectors.models import ConnectorAccount, ConnectorAuditEntry

SF = {
    "kind": "salesforce",
    "name": "Sales org",
    "settings": {
        "instance_url": "https://acme.my.salesforce.com",
        "username": "api@acme.com",
        "client_id": "3MVG9",
    },
    "credentials": {"password": "p4ss", "security_token": "t0k", "client_secret": "s3cret"},
}


def test_create_read_update_delete(api, tenant):
    r = api.post("/api/v1/connectors/", SF, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "unconfigured"
    assert body["credentials"] == {
        "password_set": True,
        "security_token_set": True,
        "client_secret_set": True,
    }
    assert "p4ss" not in r.content.decode() and "s3cret" not in r.content.decode()
    cid = body["id"]
    r = api.patch(
        f"/api/v1/connectors/{cid}/", {"settings": {"username": "other@acme.com"}}, format="json"
    )
    assert r.status_code == 200, r.json()
    account = ConnectorAccount.objects.unscoped().get(pk=cid)
    assert account.settings["username"] == "other@acme.com"
    assert account.credentials["password"] == "p4ss"  # untouched secrets are kept
    r = api.patch(f"/api/v1/connectors/{cid}/", {"credentials": {"password": "new"}}, format="json")
    assert ConnectorAccount.objects.unscoped().get(pk=cid).credentials["password"] == "new"
    audit = list(ConnectorAuditEntry.objects.for_tenant(tenant).values_list("action", "changes"))
    assert ("updated", {"password": "changed"}) in audit
    assert api.delete(f"/api/v1/connectors/{cid}/").status_code == 204
    assert api.get(f"/api/v1/connectors/{cid}/").status_code == 404


def test_kind_specific_validation(api):
    bad = {**SF, "settings": {**SF["settings"], "instance_url": "not a url"}}
    r = api.post("/api/v1/connectors/", bad, format="json")
    assert r.status_code == 400
    assert "instance_url" in r.json()["error"]["fields"]["settings"]
    r = api.post("/api/v1/connectors/", {**SF, "kind": "dynamics365"}, format="json")
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert "username" in fields["settings"]  # not a Dynamics setting
    r = api.post(
        "/api/v1/connectors/",
        {
            "kind": "dynamics365",
            "name": "D",
            "settings": {
                "instance_url": "https://org.crm4.dynamics.com",
                "client_id": "c",
                "directory_id": "d",
            },
            "credentials": {},
        },
        format="json",
    )
    assert r.status_code == 400 and "client_secret" in r.json()["error"]["fields"]["credentials"]


def test_bad_json_is_400(api):
    r = api.generic("POST", "/api/v1/connectors/", "{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "parse_error"


def test_list_is_paginated_and_scoped(api, other_api):
    api.post("/api/v1/connectors/", SF, format="json")
    other_api.post("/api/v1/connectors/", {**SF, "name": "Theirs"}, format="json")
    body = api.get("/api/v1/connectors/").json()
    assert body["count"] == 1 and [c["name"] for c in body["results"]] == ["Sales org"]
    assert set(body) == {"count", "next", "previous", "results"}
