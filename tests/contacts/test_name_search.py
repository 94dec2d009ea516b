"""Issue 18.3: a one-word name search (contacts.search.NameSearch) finds the rows the search
always found (the word anywhere in first name, last name, email or account), in list order,
paged by the same cursors, counted once each, and only the tenant's."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from connectors.models import ConnectorAccount
from contacts import search
from contacts.filters import CONTACTS_SEARCH_KEYSET, keyset_for
from contacts.models import Contact, rest_text, search_words
from contacts.search import NameSearch
from portal import paging

# (first_name, last_name, email, account): "novak" at the start of a last name in several
# spellings, inside one, in a first name, an email and an account, twice in one row; and not.
PEOPLE = [
    ("Jan", "Novak", "jan@firm.test", ""),
    ("Eva", "Novak", "eva@firm.test", ""),
    ("Eva", "NOVAK", "e2@firm.test", ""),
    ("Petr", "novak", "p@firm.test", ""),
    ("Anna", "Novakova", "anna@firm.test", ""),
    ("Anna", "Novakova", "anna2@firm.test", ""),
    ("Jana", "Dvorak-Novak", "jd@firm.test", ""),
    ("Novak", "Svoboda", "ns@firm.test", ""),
    ("Lucie", "Cerna", "novak@mail.test", ""),
    ("Marie", "Bila", "mb@firm.test", "Novak s.r.o."),
    ("Tomas", "Novak", "novak.t@firm.test", "Novak a.s."),
    ("Pavel", "Dvorak", "pd@firm.test", ""),
    ("Martin", "Kral", "mk@firm.test", ""),
    ("Jan", "Nov", "short@firm.test", ""),
]


def make_people(tenant, copies=1):
    conn = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    Contact.objects.bulk_create(
        Contact(
            tenant=tenant,
            connector=conn,
            crm_id=f"c{copy}-{i}",
            first_name=first,
            last_name=last,
            email=email,
            account=account,
            type=("contact", "lead")[i % 2],
        )
        for copy in range(copies)
        for i, (first, last, email, account) in enumerate(PEOPLE)
    )
    return conn


def expected_ids(tenant, word, **filters):
    """What the search always found: the word anywhere in the four, in list order."""
    w = word.upper()
    rows = Contact.objects.for_tenant(tenant).filter(**filters)
    hit = [
        c.pk
        for c in rows
        if any(w in v.upper() for v in (c.first_name, c.last_name, c.email, c.account))
    ]
    in_order = rows.filter(pk__in=hit).order_by("last_name", "first_name", "id")
    return list(in_order.values_list("id", flat=True))


def walk(api, params):
    body, seen, pages = api.get("/api/v1/contacts/", params).json(), [], 1
    counts = {body["count"]}
    while True:
        seen += [c["id"] for c in body["results"]]
        if not body["next"]:
            return seen, body, counts, pages
        body, pages = api.get(body["next"]).json(), pages + 1
        counts.add(body["count"])


def test_one_word_is_a_name_search_more_words_and_phones_are_not():
    assert isinstance(keyset_for({"q": " Novak "}), NameSearch)
    assert keyset_for({"q": "Novak"}).word == "Novak"
    assert keyset_for({"q": "jan novak"}) is CONTACTS_SEARCH_KEYSET
    assert not isinstance(keyset_for({"q": "+420 773 794 804"}), NameSearch)
    assert search_words("+420 773 794 804") is None and search_words("  ") == []


@pytest.mark.parametrize("size", [1, 3, 50])
def test_common_word_pages_in_list_order_forward_and_back(api, tenant, other_tenant, size):
    make_people(tenant, copies=3)
    make_people(other_tenant)  # never in the tenant's results
    expected = expected_ids(tenant, "novak")
    assert len(expected) == 3 * 11
    seen, last, counts, _pages = walk(api, {"q": "novak", "page_size": size})
    assert seen == expected and counts == {len(expected)}  # each row once, counted once
    if size < len(expected):
        back, collected = last, []
        while back["previous"]:
            back = api.get(back["previous"]).json()
            collected = [c["id"] for c in back["results"]] + collected
        assert collected + [c["id"] for c in last["results"]] == expected


def test_the_split_reads_no_more_than_the_page(api, tenant):
    make_people(tenant, copies=20)
    expected = expected_ids(tenant, "NOVAK")
    body = api.get("/api/v1/contacts/", {"q": "NOVAK", "page_size": 5}).json()
    assert [c["id"] for c in body["results"]] == expected[:5]
    assert body["count"] == len(expected) == 220


def test_more_spellings_than_the_probe_reads_the_whole_range(api, tenant, monkeypatch):
    make_people(tenant, copies=2)
    monkeypatch.setattr(search, "SPELLINGS", 1)  # Novak, NOVAK, novak, Novakova: too many
    seen, _last, counts, _pages = walk(api, {"q": "Novak", "page_size": 4})
    assert seen == expected_ids(tenant, "novak") and counts == {22}


def test_rare_none_email_infix_and_filters(api, tenant, other_tenant):
    conn = make_people(tenant)
    make_people(other_tenant)
    words = ("Kral", "zzyzx", "vak", "Nov", "o", "%", "_", "-")
    emails = ("anna2@firm", "anna2@mail", "novak@mail.test", "anna@firm.x", "@firm", "a@")
    for word in words + emails:
        seen, body, counts, _pages = walk(api, {"q": word, "page_size": 2})
        assert seen == expected_ids(tenant, word), word
        assert counts == {len(seen)}, word
    seen, *_ = walk(api, {"q": "novak", "type": "lead", "connector": conn.pk, "page_size": 2})
    assert seen == expected_ids(tenant, "novak", type="lead", connector=conn)


def test_nothing_found_reads_no_rows(api, tenant):
    make_people(tenant)
    with CaptureQueriesContext(connection) as ctx:
        body = api.get("/api/v1/contacts/", {"q": "Zzyzx"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    reads = [q["sql"] for q in ctx.captured_queries if "contacts_contact" in q["sql"]]
    assert len(reads) == 2  # a last-name probe and the rest: no page of rows, no count


def test_a_filter_after_the_search_is_kept(tenant):
    """Filtered after the search, the queryset is read as it is (not from before the search)."""
    make_people(tenant, copies=2)
    qs = Contact.objects.for_tenant(tenant).search("novak", "CZ").filter(first_name="Eva")
    page = paging.page_of(
        qs, NameSearch(CONTACTS_SEARCH_KEYSET.fields, unindexed=True, word="novak"), size=2
    )
    want = expected_ids(tenant, "novak", first_name="Eva")
    assert [c.pk for c in page.rows] == want[:2] and len(want) == 4
    assert paging.cheap_count(qs, keyset=NameSearch(("last_name", "id"), word="novak")).n == 4


def test_offset_page_and_the_page_view(api, member_client, tenant, other_tenant):
    make_people(tenant, copies=5)
    make_people(other_tenant, copies=5)
    expected = expected_ids(tenant, "novak")
    second = api.get("/api/v1/contacts/", {"q": "novak", "page_size": 10, "page": 2}).json()
    assert [c["id"] for c in second["results"]] == expected[10:20]
    html = member_client.get("/contacts/", {"q": "Novak"}).content.decode()
    assert f"{len(expected)} matches" in html and "Next" in html
    cursor = html.split("cursor=")[1].split('"')[0]
    html2 = member_client.get("/contacts/", {"q": "Novak", "cursor": cursor}).content.decode()
    assert "Previous" in html2 and "Next" not in html2
    others = set(Contact.objects.for_tenant(other_tenant).values_list("crm_id", flat=True))
    assert len(others) == 5 * len(PEOPLE)


@pytest.mark.postgres
def test_postgres_reads_a_common_surname_by_its_index_runs(tenant):
    """EXPLAIN: each spelling's run and the count use contact_last_prefix, the rest the
    trigram index on the rest; no query sorts the surname's rows from the table."""
    make_people(tenant, copies=30)
    with connection.cursor() as cur:
        cur.execute("ANALYZE contacts_contact")
    qs = Contact.objects.for_tenant(tenant).search("Novak", "CZ")
    run = qs.filter(search_last="NOVAK").order_by("last_name", "first_name", "id")[:51]
    plan = run.values_list("pk").explain()
    assert "contact_last_prefix" in plan and "Sort" not in plan, plan
    # the rest's SQL is the trigram index's expression (a tiny table: no table scan, no other
    # index; the test's transaction puts the index back)
    rest = Contact.objects.unscoped().annotate(search_rest=rest_text())
    rest = rest.filter(search_rest__icontains="Novak").values_list("pk")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("DROP INDEX contact_last_prefix")
        assert "contact_search_rest_trgm" in rest.explain()
        transaction.set_rollback(True)
