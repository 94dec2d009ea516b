"""A Dynamics 365 simulator over HTTPS: the Microsoft Entra ID authority and the Dataverse Web API.

msal accepts only https authorities, so `tls = True` (a trustme CA is generated at start; hand it
to clients through `sim.ca_file()` / `sim.session()` or REQUESTS_CA_BUNDLE). One server plays both
roles: instance_url and authority_host are both `sim.url` (https://localhost:PORT).

Authority: `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/token`
(client credentials; AADSTS error bodies for unknown tenant / unknown app / bad secret / wrong
resource). Web API under /api/data/v9.2/: WhoAmI, EntityDefinitions(...)/Attributes, contacts,
leads, accounts, systemusers, queues (GET with $select/$filter/$orderby/$top and maxpagesize
paging), contacts and leads (create), phonecalls and incidents (create, upsert by alternate key
with If-None-Match/If-Match), AddToQueue,
$batch, `$count=true` and RetrieveTotalRecordCount (count.py). Test knobs: `token_lifetime`,
`expire_tokens()`, `request_limit`/`limit_window` (service protection 429 + Retry-After),
`fail_after_write` (commit, then answer 502), `count_limit` (the 5,000 cap of `@odata.count`),
`record_count_snapshot` (a stale RetrieveTotalRecordCount), and the base class's `fail_next(...)`.
Stores: `sim.tables[set][id]`, `sim.phonecalls` / `sim.incidents` (by key), `sim.batches` (part
counts of each $batch), `sim.api_headers`. Records made behind the connector's back (a lead
created after the last import, a qualified lead, a deleted account): rows.py.
"""

import math
import secrets
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from connectors.models import ConnectorAccount
from connectors.services import save_account
from simulators.base import Reply, Simulator
from simulators.dynamics365 import data as sim_data
from simulators.dynamics365.count import COUNT_LIMIT, WebApiCounts
from simulators.dynamics365.handlers import WebApiHandlers
from simulators.dynamics365.rows import SimulatedRows
from simulators.dynamics365.writes import WebApiWrites

API = "/api/data/v9.2"
SETS = "contacts|leads|accounts|systemusers|queues|phonecalls|incidents|emails|tasks"
CREATABLE = "contacts|leads|phonecalls|incidents|emails|tasks"


def aad_error(status: int, error: str, code: int, text: str) -> Reply:
    now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    trace = secrets.token_hex(8)
    description = f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nTimestamp: {now}"
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": secrets.token_hex(8),
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return Reply(status, body)


class Dynamics365Simulator(SimulatedRows, WebApiHandlers, WebApiCounts, WebApiWrites, Simulator):
    name = "dynamics365"
    tls = True
    routes = [
        ("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", "openid_config"),
        ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", "token"),
        ("GET", rf"{API}/WhoAmI\(?\)?", "who_am_i"),
        (
            "GET",
            rf"{API}/EntityDefinitions\(LogicalName='(?P<name>\w+)'\)/Attributes",
            "attributes",
        ),
        ("POST", rf"{API}/\$batch", "batch"),
        ("GET", rf"{API}/RetrieveTotalRecordCount\((?P<args>.*)\)", "retrieve_total_record_count"),
        (
            "POST",
            rf"{API}/queues\((?P<id>[0-9a-f-]+)\)/Microsoft\.Dynamics\.CRM\.AddToQueue",
            "add_to_queue",
        ),
        ("GET", rf"{API}/(?P<set>{SETS})", "list_rows"),
        ("POST", rf"{API}/(?P<set>{CREATABLE})", "create_row"),
        ("GET", rf"{API}/(?P<set>{SETS})\((?P<key>.+)\)", "get_row"),
        (
            "PATCH",
            rf"{API}/(?P<set>phonecalls|incidents|emails|tasks)\((?P<key>.+)\)",
            "upsert_row",
        ),
    ]

    def seed(self) -> None:
        self.tables = sim_data.seed()
        self.directories = {
            sim_data.TENANT_ID: sim_data.TENANT_ID,
            sim_data.TENANT_DOMAIN: sim_data.TENANT_ID,
        }
        self.apps = {sim_data.CLIENT_ID: (sim_data.TENANT_ID, sim_data.CLIENT_SECRET)}
        self.alternate_keys = {
            "phonecalls": "cc_callkey",
            "incidents": "cc_ticketkey",
            "emails": "cc_interactionkey",
            "tasks": "cc_interactionkey",
        }
        self.tokens: dict[str, float] = {}
        self.token_lifetime = 3600
        self.token_requests = 0
        self.request_limit: int | None = None  # service protection: requests per window
        self.limit_window = 300.0
        self._recent: list[float] = []
        self.throttled = 0  # 429s sent
        self.fail_after_write = 0
        self.count_limit = COUNT_LIMIT  # @odata.count never exceeds it (lower it in tests)
        self.record_count_snapshot: dict[str, int] | None = None  # RetrieveTotalRecordCount
        self.batches: list[int] = []
        self.queue_items: list[dict] = []
        self.api_headers: list[dict] = []
        self.request_ids: list[str] = []  # x-ms-service-request-id of every answer, in order
        if not hasattr(self, "_ca_file"):  # kept by reset(): the server keeps its certificate
            self._ca_file: Path | None = None
            self._ca_lock = threading.Lock()

    def response_headers(self) -> dict:
        """Dataverse answers every Web API request with its service request id (REQ_ID too)."""
        rid = str(uuid.uuid4())
        self.request_ids.append(rid)
        return {"x-ms-service-request-id": rid, "REQ_ID": rid}

    def reset(self) -> None:
        """Fresh seed data, tokens, knobs and logs on the running server (cheaper than restart)."""
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.latency = 0.0
            self.seed()

    # --- helpers for tests and the demo ----------------------------------------------------

    def ca_file(self) -> Path:
        """A PEM file with this simulator's CA (written once)."""
        with self._ca_lock:
            if self._ca_file is None:
                directory = Path(tempfile.mkdtemp(prefix="d365-sim-"))
                self._ca_file = self.write_ca(directory / "ca.pem")
            return self._ca_file

    def session(self) -> requests.Session:
        """A requests.Session trusting this simulator's CA (hand it to the connector)."""
        session = requests.Session()
        session.verify = str(self.ca_file())
        return session

    def account_settings(self, **overrides) -> dict:
        return {
            "instance_url": self.url,
            "authority_host": self.url,
            "client_id": sim_data.CLIENT_ID,
            "directory_id": sim_data.TENANT_ID,
            **overrides,
        }

    @staticmethod
    def account_credentials() -> dict:
        return {"client_secret": sim_data.CLIENT_SECRET}

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    @property
    def phonecalls(self) -> dict[str, dict]:
        return self._by_key("phonecalls", "activityid")

    @property
    def emails(self) -> dict[str, dict]:
        return self._by_key("emails", "activityid")

    @property
    def tasks(self) -> dict[str, dict]:
        return self._by_key("tasks", "activityid")

    def add_phonecall(self, **columns) -> dict:
        """A phone call logged by someone else (the CRM's own CTI, another integration)."""
        row = {"activityid": str(uuid.uuid4()), "createdon": columns.get("actualstart", "")}
        row.update(columns)
        with self.lock:
            self.tables["phonecalls"][row["activityid"]] = row
        return row

    @property
    def incidents(self) -> dict[str, dict]:
        return self._by_key("incidents", "incidentid")

    def _by_key(self, entity_set: str, id_name: str) -> dict[str, dict]:
        column = self.alternate_keys.get(entity_set, "")
        rows = self.tables[entity_set].values()
        return {row.get(column) or row[id_name]: row for row in rows}

    @classmethod
    def seed_demo(cls, tenant, url: str) -> None:
        """A demo Dynamics account pointing at a running simulator (stays unauthorized)."""
        if ConnectorAccount.objects.filter(tenant=tenant, kind="dynamics365").exists():
            return
        settings = {
            "instance_url": url,
            "authority_host": url,
            "client_id": sim_data.CLIENT_ID,
            "directory_id": sim_data.TENANT_ID,
            "phonecall_key_field": "cc_callkey",
            "incident_key_field": "cc_ticketkey",
        }
        save_account(
            ConnectorAccount(tenant=tenant, kind="dynamics365"),
            actor="seed_demo",
            name="Dynamics 365 (simulator)",
            settings=settings,
            credentials=cls.account_credentials(),
        )

    # --- authority (Microsoft Entra ID) ----------------------------------------------------

    def _tenant(self, request) -> str:
        tenant = self.directories.get(request.match["tenant"].lower())
        if tenant is None:
            raise aad_error(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{request.match['tenant']}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud.",
            )
        return tenant

    def openid_config(self, request):
        tenant = self._tenant(request)
        base = f"{self.url}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{base}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU",
        }

    def token(self, request):
        tenant = self._tenant(request)
        form = request.form()
        with self.lock:
            self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            raise aad_error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id = form.get("client_id", "")
        app = self.apps.get(client_id)
        if app is None or app[0] != tenant:
            raise aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the "
                "administrator of the tenant.",
            )
        if not secrets.compare_digest(form.get("client_secret", ""), app[1]):
            raise aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
        if form.get("scope", "").rstrip("/") not in (
            f"{self.url}/.default",
            f"{self.url}//.default",
        ):
            raise aad_error(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {form.get('scope', '').removesuffix('/.default')} "
                f"was not found in the tenant named {tenant}.",
            )
        access_token = "eyJ0eXAiOiJKV1QiLCJzaW0iOiJkMzY1In0." + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[access_token] = time.time() + self.token_lifetime
        lifetime = self.token_lifetime
        return {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }

    # --- Web API gate: bearer token + service protection -----------------------------------

    def check_api(self, request) -> None:
        if getattr(request, "inner", False):
            return  # a $batch part: the batch itself was checked
        with self.lock:
            self.api_headers.append(dict(request.headers.items()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        with self.lock:
            expires = self.tokens.get(token, 0.0)
        if expires <= time.time():
            raise Reply(
                401,
                None,
                {
                    "WWW-Authenticate": f"Bearer authorization_uri={self.url}/"
                    f"{sim_data.TENANT_ID}/oauth2/authorize, resource_id={self.url}/",
                },
            )
        if self.request_limit:
            now = time.time()
            with self.lock:
                self._recent = [t for t in self._recent if t > now - self.limit_window]
                if len(self._recent) >= self.request_limit:
                    wait = math.ceil(self._recent[0] + self.limit_window - now)
                    self.throttled += 1
                    raise Reply(
                        429,
                        {
                            "error": {
                                "code": "0x80072322",
                                "message": f"Number of requests exceeded the limit of "
                                f"{self.request_limit} over time window of "
                                f"{int(self.limit_window)} seconds.",
                            }
                        },
                        {"Retry-After": str(max(1, wait))},
                    )
                self._recent.append(now)
