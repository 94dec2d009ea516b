"""Pure pieces of the Salesforce connector: escaping, error mapping, record mapping, SOQL parser."""

from datetime import UTC, datetime

import pytest
import requests

from connectors.errors import AuthError
from connectors.salesforce import mapping
from connectors.salesforce.client import (
    parse_usage,
    rest_error,
    soql_literal,
    sosl_escape,
    token_error,
)
from connectors.types import CallLog
from simulators.salesforce.soql_engine import SoqlError, parse_soql, parse_sosl


def response(status: int, body: bytes) -> requests.Response:
    r = requests.Response()
    r.status_code, r._content, r.url = status, body, "https://acme.my.salesforce.com/x"
    return r


def test_soql_literal_escapes_quotes_and_backslashes():
    assert soql_literal("O'Brien \\ x") == "'O\\'Brien \\\\ x'"
    name = soql_literal("O'Brien")
    query = parse_soql(f"SELECT Id FROM Contact WHERE LastName = {name}")
    assert query.where[0].value == "O'Brien"


def test_sosl_escape_reserved_characters():
    assert sosl_escape("+420 (773) 794-804") == "\\+420 \\(773\\) 794\\-804"
    search = parse_sosl(
        f"FIND {{{sosl_escape('a}b')} OR 123}} IN PHONE FIELDS RETURNING Contact(Id)"
    )
    assert search.terms == ["a}b", "123"]


def test_parse_usage():
    assert parse_usage("api-usage=18/5000") == (18, 5000)
    assert parse_usage("per-app-api-usage=1/2(appName=x); api-usage=7/15000") == (7, 15000)
    assert parse_usage("api-usage=25/5000; per-app-api-usage=17/250(appName=a)") == (25, 5000)
    assert parse_usage(None) is None and parse_usage("garbage") is None


def test_rest_error_mapping():
    expired = rest_error(
        response(401, b'[{"message":"Session expired","errorCode":"INVALID_SESSION_ID"}]')
    )
    assert isinstance(expired, AuthError)
    limit = rest_error(
        response(
            403,
            b'[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]',
        )
    )
    assert not limit.permanent and limit.retry_after == 60
    other = rest_error(response(400, b'[{"message":"bad","errorCode":"MALFORMED_QUERY"}]'))
    assert other.permanent and str(other) == "Salesforce MALFORMED_QUERY: bad"
    html = rest_error(response(404, b"<html>not found</html>"))
    assert html.permanent and html.status == 404


def test_token_error_mapping():
    bad = token_error(
        response(400, b'{"error":"invalid_grant","error_description":"authentication failure"}')
    )
    assert str(bad) == "authentication failure: check user name, password + security token"
    refresh = token_error(
        response(
            400, b'{"error":"invalid_grant","error_description":"expired access/refresh token"}'
        ),
        "refresh_token",
    )
    assert "authorize again" in str(refresh)
    locked = token_error(
        response(400, b'{"error":"invalid_grant","error_description":"user locked out"}')
    )
    assert "user locked out" in str(locked)
    down = token_error(response(503, b"<html>"))
    assert not down.permanent and not isinstance(down, AuthError)


def test_phone_search_terms():
    assert mapping.phone_search_terms("+420 773 794 804") == ["420773794804", "773794804"]
    assert mapping.phone_search_terms("00420773794804") == ["00420773794804", "773794804"]
    assert mapping.phone_search_terms("773794804") == ["773794804"]
    assert mapping.phone_search_terms("123") == []


def test_task_record_for_a_missed_internal_call():
    start = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)
    call = CallLog(
        key="k" * 300,
        direction="internal",
        phone="",
        started_at=start,
        ended_at=None,
        duration_seconds=-5,
        subject="",
        status="busy",
        recording_url="https://r/1",
    )
    record = mapping.task_record(call, "CC_Call_Key__c")
    assert record["CallType"] == "Internal" and record["CallDisposition"] == "Busy"
    assert record["Subject"].startswith("Missed call") and record["CallDurationInSeconds"] == 0
    assert len(record["CallObject"]) == 255 and record["CC_Call_Key__c"] == "k" * 300
    assert (
        record["ActivityDate"] == "2025-01-31" and "Recording: https://r/1" in record["Description"]
    )
    assert "WhoId" not in record and "OwnerId" not in record


def test_contact_select_validates_names():
    assert mapping.contact_select(["Title", "title", "Account.Name"])[-1] == "Title"
    with pytest.raises(Exception, match="not a Salesforce field name"):
        mapping.contact_select(["Id, (SELECT Id FROM Cases)"])


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Contact",
        "SELECT Id FROM Contact WHERE Name = 'a' OR Name = 'b'",
        "SELECT Id FROM Contact WHERE Name = 'unterminated",
        "SELECT Id FROM Contact LIMIT",
        "DELETE FROM Contact",
    ],
)
def test_soql_parser_rejects_what_it_does_not_support(soql):
    with pytest.raises(SoqlError):
        parse_soql(soql)


def test_soql_parser_reads_the_connector_queries():
    q = parse_soql(
        "SELECT Id, Account.Name FROM Contact WHERE IsDeleted = true AND "
        "LastModifiedDate > 2025-01-01T00:00:00Z AND Id NOT IN ('a', 'b') "
        "ORDER BY LastName DESC NULLS LAST, Id LIMIT 10"
    )
    assert q.fields == ["Id", "Account.Name"] and q.sobject == "Contact" and q.limit == 10
    assert [c.op for c in q.where] == ["=", ">", "NOT IN"]
    assert q.where[1].value == datetime(2025, 1, 1, tzinfo=UTC)
    assert q.order == [("LastName", True), ("Id", False)]
