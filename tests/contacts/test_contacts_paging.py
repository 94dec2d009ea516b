"""Issue 18.3: the contacts list pages by cursor (name order) and searches name / email."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.models import ConnectorAccount
from contacts.models import Contact


def make_contacts(tenant, n):
    conn = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    Contact.objects.bulk_create(
        Contact(
            tenant=tenant,
            connector=conn,
            crm_id=f"003{i}",
            first_name=("Jan", "Eva")[i % 2],
            last_name=f"Novak{i % 4}",  # ties on the name: the id breaks them
            email=f"p{i}@firm.test",
            type=("contact", "lead")[i % 2],
        )
        for i in range(n)
    )
    return conn


def test_api_walks_contacts_by_name_both_ways(api, tenant):
    make_contacts(tenant, 17)
    expected = list(
        Contact.objects.for_tenant(tenant)
        .order_by("last_name", "first_name", "id")
        .values_list("id", flat=True)
    )
    body, seen = api.get("/api/v1/contacts/", {"page_size": 4}).json(), []
    while True:
        seen += [c["id"] for c in body["results"]]
        if not body["next"]:
            break
        body = api.get(body["next"]).json()
    assert seen == expected and body["count"] == 17
    back = api.get(body["previous"]).json()
    assert [c["id"] for c in back["results"]] == expected[12:16]


def test_search_by_name_words_and_email(api, tenant):
    make_contacts(tenant, 8)
    found = api.get("/api/v1/contacts/", {"q": "novak1 jan"}).json()
    assert found["count"] == 0  # Novak1 are the odd ones: all Eva
    found = api.get("/api/v1/contacts/", {"q": "novak1 EVA"}).json()
    assert found["count"] == 2
    assert api.get("/api/v1/contacts/", {"q": "p3@firm"}).json()["count"] == 1
    assert api.get("/api/v1/contacts/", {"q": "Zzyzx"}).json()["count"] == 0


def test_contacts_page_pages_by_cursor(member_client, tenant):
    make_contacts(tenant, 60)
    first = member_client.get("/contacts/").content.decode()
    assert "60 contacts" in first and "Next" in first and "Previous" not in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = member_client.get("/contacts/", {"cursor": cursor}).content.decode()
    assert "Previous" in second and "Next" not in second
    leads = member_client.get("/contacts/", {"type": "lead"}).content.decode()
    assert "30 matches" in leads


def test_a_cursor_page_bounds_the_not_null_name_without_an_is_null_branch(api, tenant):
    """last_name is NOT NULL: the keyset condition is the row comparison alone, which
    PostgreSQL can use as an index bound in a prepared statement's generic plan too."""
    make_contacts(tenant, 9)
    first = api.get("/api/v1/contacts/", {"page_size": 4}).json()
    with CaptureQueriesContext(connection) as ctx:
        second = api.get(first["next"]).json()
    assert len(second["results"]) == 4
    page_sql = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
    assert page_sql and all("IS NULL" not in sql for sql in page_sql)
