"""An independent client (simple-salesforce) against the simulator: the wire format is real.

simple-salesforce only builds https://<domain>.salesforce.com URLs; a requests.Session
subclass rewrites them to the simulator's http://127.0.0.1:PORT.
"""

from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed


class RewritingSession(requests.Session):
    def __init__(self, target: str):
        super().__init__()
        self.target = urlsplit(target)
        self.hosts: list[str] = []

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        self.hosts.append(parts.netloc)
        url = urlunsplit((self.target.scheme, self.target.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


def oauth_client(sim, session=None):
    """The OAuth 2.0 username-password flow (consumer key + secret)."""
    return Salesforce(
        username=sim.USERNAME,
        password=sim.PASSWORD + sim.SECURITY_TOKEN,
        consumer_key=sim.CLIENT_ID,
        consumer_secret=sim.CLIENT_SECRET,
        domain="acme.my",
        session=session or RewritingSession(sim.url),
    )


def test_oauth_login_query_and_query_all_paging(sf_sim):
    session = RewritingSession(sf_sim.url)
    sf = oauth_client(sf_sim, session)
    assert session.hosts[0] == "acme.my.salesforce.com"  # the login went to the org's domain
    assert sf_sim.token_grants == ["password"]
    sf_sim.page_size = 20
    first = sf.query("SELECT Id, LastName, Account.Name FROM Contact ORDER BY Id")
    assert first["totalSize"] == 50 and len(first["records"]) == 20 and not first["done"]
    assert first["nextRecordsUrl"].startswith("/services/data/")
    everything = sf.query_all("SELECT Id, Email FROM Contact WHERE Email LIKE '%@example.com'")
    assert everything["totalSize"] == 50 and len(everything["records"]) == 50
    assert len({r["Id"] for r in everything["records"]}) == 50


def test_soap_login_with_security_token(sf_sim):
    sf = Salesforce(
        username=sf_sim.USERNAME,
        password=sf_sim.PASSWORD,
        security_token=sf_sim.SECURITY_TOKEN,
        domain="login",
        session=RewritingSession(sf_sim.url),
    )
    users = sf.query("SELECT Id, Email FROM User WHERE IsActive = true")
    assert users["totalSize"] == 10
    with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
        Salesforce(
            username=sf_sim.USERNAME,
            password="wrong",
            security_token=sf_sim.SECURITY_TOKEN,
            session=RewritingSession(sf_sim.url),
        )


def test_create_task_appears_in_the_simulator(sf_sim):
    sf = oauth_client(sf_sim)
    contact = sorted(sf_sim.contacts)[0]
    created = sf.Task.create(
        {
            "Subject": "Call from simple-salesforce",
            "TaskSubtype": "Call",
            "CallType": "Inbound",
            "CallDurationInSeconds": 42,
            "CallObject": "ss-call-1",
            "WhoId": contact,
            "Status": "Completed",
            "CC_Call_Key__c": "ss-call-1",
        }
    )
    assert created["success"] and created["id"].startswith("00T")
    task = sf_sim.tasks["ss-call-1"]
    assert (task["Id"], task["WhoId"], task["CallDurationInSeconds"]) == (
        created["id"],
        contact,
        42,
    )
    fetched = sf.Task.get(created["id"])
    assert fetched["CallObject"] == "ss-call-1"
    found = sf.query("SELECT Id FROM Task WHERE CallObject = 'ss-call-1'")
    assert [r["Id"] for r in found["records"]] == [created["id"]]


def test_simple_salesforce_logs_in_again_on_invalid_session(sf_sim):
    sf = oauth_client(sf_sim)
    sf_sim.expire_tokens()
    assert sf.query("SELECT Id FROM Group WHERE Type = 'Queue'")["totalSize"] == 3
    assert sf_sim.token_grants == ["password", "password"]


def test_collections_all_or_none_rolls_back(sf_sim):
    sf = oauth_client(sf_sim)
    good = {"attributes": {"type": "Task"}, "Subject": "ok", "CC_Call_Key__c": "aon-1"}
    bad = {"attributes": {"type": "Task"}, "CallType": "Sideways", "CC_Call_Key__c": "aon-2"}
    body = {"allOrNone": True, "records": [good, bad]}
    results = sf.restful("composite/sobjects", method="POST", json=body)
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert sf_sim.tasks == {}
    body["allOrNone"] = False
    results = sf.restful("composite/sobjects", method="POST", json=body)
    assert [r["success"] for r in results] == [True, False]
    assert list(sf_sim.tasks) == ["aon-1"]


def test_count_query(sf_sim):
    sf = oauth_client(sf_sim)
    sf_sim.generate_contacts(1000)
    sf_sim.delete_contact(sorted(sf_sim.contacts)[0])
    result = sf.query("SELECT COUNT() FROM Contact")
    assert (result["totalSize"], result["records"]) == (1049, [])
    assert sf.query("SELECT COUNT() FROM User WHERE IsActive = false")["totalSize"] == 1
