"""A local Salesforce org speaking the REST subset our connector (and simple-salesforce) uses.

    sim = SalesforceSimulator(page_size=2000, token_lifetime=7200, api_limit=15000).start()
    settings, credentials = sim.account_settings()   # a connector pointing at sim.url
    sim.generate_contacts(100_000)                   # lazily generated bulk contacts
    sim.add_record("Lead", LastName="New", Company="X", Phone="+420 605 000 001")
    sim.convert_lead(lead_id), sim.delete_record("Account", account_id)
    SalesforceSimulator(person_accounts=False)       # an org without Person Accounts
    sim.expire_tokens()                              # next REST call -> 401 INVALID_SESSION_ID
    sim.tasks["<call key>"], sim.cases["<ticket key>"], sim.token_grants, sim.api_usage

OAuth token endpoint (password, refresh_token, authorization_code grants), authorize redirect,
SOAP login, userinfo (oauth.py); limits, SOQL query/queryAll with nextRecordsUrl paging, SOSL
phone search, describe, sObject create/get/upsert, sObject Collections create/upsert
(rest.py). Errors use Salesforce's bodies. docs/connectors/salesforce.md lists the helpers.
"""

from datetime import datetime

from connectors.models import ConnectorAccount
from connectors.services import save_account
from simulators.base import Simulator
from simulators.salesforce.oauth import OAuthHandlers
from simulators.salesforce.rest import RestHandlers
from simulators.salesforce.store import Store

V = r"/services/data/v\d+\.\d"


class SalesforceSimulator(OAuthHandlers, RestHandlers, Simulator):
    name = "salesforce"
    USERNAME = "api@acme-sim.example.com"
    PASSWORD = "Sim-Password-1"
    SECURITY_TOKEN = "SimSecurityToken42"
    CLIENT_ID = "3MVG9SimulatorConsumerKey"
    CLIENT_SECRET = "sim-consumer-secret"

    routes = [
        ("POST", r"/services/oauth2/token", "oauth_token"),
        ("POST", r"/services/Soap/u/[\d.]+", "soap_login"),
        ("GET", r"/services/oauth2/authorize", "oauth_authorize"),
        ("GET", r"/services/oauth2/userinfo", "userinfo"),
        ("GET", r"/services/data/?", "versions"),
        ("GET", V + r"/?", "resources"),
        ("GET", V + r"/limits/?", "limits"),
        ("GET", V + r"/(query|queryAll)/?", "query"),
        ("GET", V + r"/(query|queryAll)/([\w]+)-(\d+)", "query_more"),
        ("GET", V + r"/search/?", "search"),
        ("GET", V + r"/sobjects/(\w+)/describe/?", "describe"),
        ("POST", V + r"/sobjects/(\w+)/?", "create"),
        ("GET", V + r"/sobjects/(\w+)/(\w{15,18})/?", "get_record"),
        ("PATCH", V + r"/sobjects/(\w+)/(\w{15,18})/?", "patch_record"),
        ("PATCH", V + r"/sobjects/(\w+)/(\w+)/([^/]+)", "upsert"),
        ("POST", V + r"/composite/sobjects/?", "collection_create"),
        ("PATCH", V + r"/composite/sobjects/(\w+)/(\w+)/?", "collection_upsert"),
    ]

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir=None,
        *,
        page_size: int = 2000,
        token_lifetime: float | None = 7200,
        api_limit: int = 15000,
        contacts: int = 50,
        person_accounts: bool = True,
    ):
        self.config = {
            "page_size": page_size,
            "token_lifetime": token_lifetime,
            "api_limit": api_limit,
            "contacts": contacts,
            "person_accounts": person_accounts,
        }
        self._init_state()
        super().__init__(host=host, port=port, cert_dir=cert_dir)

    def _init_state(self) -> None:
        self.page_size = self.config["page_size"]
        self.token_lifetime = self.config["token_lifetime"]  # seconds a token stays valid
        self.api_limit = self.config["api_limit"]
        self.api_usage = 0
        self.password_flow_enabled = True
        self.authorize_mode = "approve"  # or "access_denied"
        self.access_tokens: dict[str, float] = {}  # token -> issued at (monotonic)
        self.refresh_tokens: set[str] = set()
        self.auth_codes: dict[str, str] = {}  # code -> redirect_uri
        self.token_grants: list[str] = []  # grant_type of every successful token request
        self.instance_url = ""  # the org's own host when it differs from the login host
        self.token_delay = 0.0  # seconds the token endpoint takes (concurrency tests)
        self.fail_after_write = 0  # next N writes are stored, then answered 503
        self.record_errors: dict[str, tuple[str, str]] = {}  # external id -> (code, message)

    def seed(self) -> None:
        self.store = Store(self.config["contacts"], self.config["person_accounts"])

    def reset(self) -> None:
        """Back to the freshly seeded state (tests reuse one running server)."""
        with self.lock:
            self._init_state()
            self.seed()
            self.faults.clear()
            self.requests.clear()
            self.latency = 0.0

    # --- helpers for tests ---------------------------------------------------------------

    @classmethod
    def demo_account(cls, url: str) -> tuple[dict, dict]:
        """(settings, credentials) of a Salesforce connector that logs in to this simulator."""
        settings = {"instance_url": url, "username": cls.USERNAME, "client_id": cls.CLIENT_ID}
        credentials = {
            "password": cls.PASSWORD,
            "security_token": cls.SECURITY_TOKEN,
            "client_secret": cls.CLIENT_SECRET,
        }
        return settings, credentials

    def account_settings(self) -> tuple[dict, dict]:
        return self.demo_account(self.url)

    @classmethod
    def seed_demo(cls, tenant, url: str):
        settings, credentials = cls.demo_account(url)
        name = "Salesforce (simulator)"
        account = ConnectorAccount.objects.filter(tenant=tenant, name=name).first()
        account = account or ConnectorAccount(tenant=tenant, kind="salesforce")
        return save_account(
            account, actor="seed_demo", name=name, settings=settings, credentials=credentials
        )

    def generate_contacts(self, n: int) -> None:
        """Add n lazily generated contacts (numbers +420 700000000 + i, ids 003Gn...)."""
        with self.lock:
            self.store.generated = n

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    @property
    def tasks(self) -> dict:
        return self.store.by_key("Task", "CC_Call_Key__c")

    @property
    def activities(self) -> list[dict]:
        """Every Task (calls, emails, chats, SMS; ours and other CTIs')."""
        return list(self.store.records["Task"].values())

    def add_call_task(self, created: datetime, duration: int = 60, **fields) -> dict:
        """A call Task logged by someone else (the org's own CTI), created at `created`."""
        row = self.add_record(
            "Task",
            TaskSubtype="Call",
            Type="Call",
            Status="Completed",
            CallDurationInSeconds=duration,
            **fields,
        )
        row["CreatedDate"] = created.replace(microsecond=0)
        return row

    @property
    def cases(self) -> dict:
        return self.store.by_key("Case", "CC_Ticket_Key__c")

    @property
    def contacts(self) -> dict:
        return self.store.records["Contact"]

    @property
    def leads(self) -> dict:
        return self.store.records["Lead"]

    @property
    def accounts(self) -> dict:
        return self.store.records["Account"]

    @property
    def users(self) -> list[dict]:
        return list(self.store.records["User"].values())

    @property
    def queues(self) -> list[dict]:
        return [g for g in self.store.records["Group"].values() if g["Type"] == "Queue"]

    def add_contact(self, **fields) -> dict:
        with self.lock:
            return self.store.add_contact(fields)

    def update_contact(self, crm_id: str, **fields) -> dict:
        with self.lock:
            return self.store.update_contact(crm_id, fields)

    def delete_contact(self, crm_id: str) -> None:
        with self.lock:
            self.store.delete_contact(crm_id)

    def add_record(self, sobject: str, **fields) -> dict:
        """A Contact, Lead or Account a user creates now (an Account with LastName is a person)."""
        with self.lock:
            return self.store.add_record(sobject, fields)

    def update_record(self, sobject: str, crm_id: str, **fields) -> dict:
        with self.lock:
            return self.store.update_record(sobject, crm_id, fields)

    def delete_record(self, sobject: str, crm_id: str) -> None:
        with self.lock:
            self.store.update_record(sobject, crm_id, {"IsDeleted": True})

    def convert_lead(self, crm_id: str) -> dict:
        """Convert a Lead (IsConverted = true); returns the Contact it became."""
        with self.lock:
            return self.store.convert_lead(crm_id)

    # --- plumbing --------------------------------------------------------------------------

    def response_headers(self) -> dict:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.api_limit}"}

    def not_found_body(self, request):
        return [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
