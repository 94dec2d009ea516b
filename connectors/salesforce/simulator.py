"""A local Salesforce org speaking the REST subset our connector (and simple-salesforce) uses.

    sim = SalesforceSimulator(page_size=2000, token_lifetime=7200, api_limit=15000).start()
    settings, credentials = sim.account_settings()   # a connector pointing at sim.url
    sim.generate_contacts(100_000)                   # lazily generated bulk contacts
    sim.expire_tokens()                              # next REST call -> 401 INVALID_SESSION_ID
    sim.tasks["<call key>"], sim.cases["<ticket key>"], sim.token_grants, sim.api_usage

OAuth token endpoint (password, refresh_token, authorization_code grants), authorize redirect,
userinfo, limits, SOQL query/queryAll with nextRecordsUrl paging, SOSL phone search, describe,
sObject create/get/upsert, sObject Collections create/upsert. Errors use Salesforce's bodies.
"""

import base64
import hashlib
import hmac
import html
import re
import secrets
import time
from urllib.parse import unquote, urlencode

from connectors.salesforce import sim_data
from connectors.salesforce.sim_store import Store
from connectors.salesforce.soql import SoqlError, parse_soql, parse_sosl
from connectors.simulator_base import Reply, Request, Simulator

V = r"/services/data/v\d+\.\d"


def sf_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code}])


class SalesforceSimulator(Simulator):
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
    ):
        self.config = {
            "page_size": page_size,
            "token_lifetime": token_lifetime,
            "api_limit": api_limit,
            "contacts": contacts,
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
        self.token_delay = 0.0  # seconds the token endpoint takes (concurrency tests)
        self.fail_after_write = 0  # next N writes are stored, then answered 503
        self.record_errors: dict[str, tuple[str, str]] = {}  # external id -> (code, message)

    def seed(self) -> None:
        self.store = Store(self.config["contacts"])

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
        from connectors.models import ConnectorAccount
        from connectors.services import save_account

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
    def cases(self) -> dict:
        return self.store.by_key("Case", "CC_Ticket_Key__c")

    @property
    def contacts(self) -> dict:
        return self.store.records["Contact"]

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

    # --- plumbing --------------------------------------------------------------------------

    def response_headers(self) -> dict:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.api_limit}"}

    def not_found_body(self, request):
        return [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

    def _base_url(self, request: Request) -> str:
        host = request.headers.get("Host")
        return f"{'https' if self.tls else 'http'}://{host}" if host else self.url

    def _auth(self, request: Request, count: bool = True) -> None:
        header = request.headers.get("Authorization") or ""
        token = header.split(" ", 1)[1].strip() if " " in header else ""
        with self.lock:
            issued = self.access_tokens.get(token)
            alive = issued is not None and (
                self.token_lifetime is None or time.monotonic() - issued < self.token_lifetime
            )
            if not alive:
                raise sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if count:
                self.api_usage += 1
                if self.api_usage > self.api_limit:
                    raise sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    # --- OAuth -----------------------------------------------------------------------------

    def _issue(self, request: Request, refresh: bool) -> dict:
        token = f"{sim_data.ORG_ID[:15]}!{secrets.token_urlsafe(24)}"
        issued_at = str(int(time.time() * 1000))
        user_id = self.store.api_user()["Id"]
        identity = f"{self._base_url(request)}/id/{sim_data.ORG_ID}/{user_id}"
        signature = hmac.new(
            self.CLIENT_SECRET.encode(), (identity + issued_at).encode(), hashlib.sha256
        )
        body = {
            "access_token": token,
            "instance_url": self._base_url(request),
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature.digest()).decode(),
        }
        with self.lock:
            self.access_tokens[token] = time.monotonic()
            if refresh:
                body["refresh_token"] = f"5Aep{secrets.token_urlsafe(32)}"
                body["scope"] = "api refresh_token"
                self.refresh_tokens.add(body["refresh_token"])
        return body

    def oauth_token(self, request: Request):
        form = request.form()
        grant = form.get("grant_type", "")
        if self.token_delay:
            time.sleep(self.token_delay)
        if form.get("client_id") != self.CLIENT_ID:
            raise Reply(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        if grant != "refresh_token" and form.get("client_secret") != self.CLIENT_SECRET:
            raise Reply(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        if grant == "password":
            if not self.password_flow_enabled:
                raise Reply(
                    400,
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "grant type not supported",
                    },
                )
            user = self.store.user_by_username(form.get("username", ""))
            if (
                form.get("username") != self.USERNAME
                or form.get("password") != self.PASSWORD + self.SECURITY_TOKEN
            ):
                raise Reply(
                    400, {"error": "invalid_grant", "error_description": "authentication failure"}
                )
            if user and not user["IsActive"]:
                raise Reply(
                    400, {"error": "inactive_user", "error_description": "user is inactive"}
                )
            body = self._issue(request, refresh=False)
        elif grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                raise Reply(
                    400,
                    {"error": "invalid_grant", "error_description": "expired access/refresh token"},
                )
            body = self._issue(request, refresh=False)
        elif grant == "authorization_code":
            with self.lock:
                redirect = self.auth_codes.pop(form.get("code", ""), None)
            if redirect is None:
                raise Reply(
                    400,
                    {"error": "invalid_grant", "error_description": "invalid authorization code"},
                )
            if redirect != form.get("redirect_uri"):
                raise Reply(
                    400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
                )
            body = self._issue(request, refresh=True)
        else:
            raise Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        with self.lock:
            self.token_grants.append(grant)
        return body

    def soap_login(self, request: Request):
        """The partner SOAP login() (simple-salesforce uses it when given a security token)."""
        text = request.body.decode("utf-8", "replace")
        found = {
            tag: html.unescape(m[1])
            if (m := re.search(f"<n1:{tag}>(.*?)</n1:{tag}>", text, re.S))
            else ""
            for tag in ("username", "password")
        }
        if (
            found["username"] != self.USERNAME
            or found["password"] != self.PASSWORD + self.SECURITY_TOKEN
        ):
            fault = (
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
                "<faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, "
                "password, security token; or user locked out.</faultstring><detail>"
                "<sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
                "<sf:exceptionMessage>Invalid username, password, security token; or user locked "
                "out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>"
                "</soapenv:Envelope>"
            )
            return 500, fault, {"Content-Type": "text/xml; charset=utf-8"}
        token = self._issue(request, refresh=False)
        with self.lock:
            self.token_grants.append("soap")
        base = self._base_url(request)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
            f"<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{base}/services/Soap/u/62.0/{sim_data.ORG_ID}</serverUrl>"
            f"<sessionId>{token['access_token']}</sessionId>"
            f"<userId>{self.store.api_user()['Id']}</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return 200, body, {"Content-Type": "text/xml; charset=utf-8"}

    def oauth_authorize(self, request: Request):
        q = request.query
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.CLIENT_ID or not redirect or q.get("response_type") != "code":
            return 400, "error=invalid_client_id: client identifier invalid", {}
        if self.authorize_mode == "access_denied":
            params = {
                "error": "access_denied",
                "error_description": "end-user denied authorization",
            }
        else:
            code = f"aPrx{secrets.token_urlsafe(24)}"
            with self.lock:
                self.auth_codes[code] = redirect
            params = {"code": code}
        if q.get("state"):
            params["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        return 302, "", {"Location": f"{redirect}{sep}{urlencode(params)}"}

    def userinfo(self, request: Request):
        self._auth(request, count=False)
        user = self.store.api_user()
        return {
            "sub": f"{self._base_url(request)}/id/{sim_data.ORG_ID}/{user['Id']}",
            "user_id": user["Id"],
            "organization_id": sim_data.ORG_ID,
            "preferred_username": user["Username"],
            "name": user["Name"],
            "email": user["Email"],
        }

    # --- REST ------------------------------------------------------------------------------

    def versions(self, request: Request):
        return [{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}]

    def resources(self, request: Request):
        self._auth(request)
        base = request.path.rstrip("/")
        return {
            name: f"{base}/{name}" for name in ("limits", "query", "queryAll", "search", "sobjects")
        }

    def limits(self, request: Request):
        self._auth(request)
        remaining = max(0, self.api_limit - self.api_usage)
        return {"DailyApiRequests": {"Max": self.api_limit, "Remaining": remaining}}

    def _page_size(self, request: Request) -> int:
        options = request.headers.get("Sforce-Query-Options") or ""
        if options.startswith("batchSize="):
            try:
                return max(200, min(2000, int(options.split("=", 1)[1])))
            except ValueError:
                pass
        return self.page_size

    def query(self, request: Request):
        self._auth(request)
        include_deleted = request.match[1] == "queryAll"
        try:
            with self.lock:
                return self.store.query(
                    parse_soql(str(request.query.get("q", ""))),
                    include_deleted,
                    self._page_size(request),
                    request.path.split("/query")[0]
                    + ("/queryAll" if include_deleted else "/query"),
                )
        except SoqlError as exc:
            raise sf_error(400, "MALFORMED_QUERY", str(exc)) from None
        except KeyError as exc:
            raise sf_error(400, "INVALID_FIELD", exc.args[0]) from None

    def query_more(self, request: Request):
        self._auth(request)
        with self.lock:
            page = self.store.more(request.match[2], int(request.match[3]))
        if page is None:
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return page

    def search(self, request: Request):
        self._auth(request)
        try:
            search = parse_sosl(str(request.query.get("q", "")))
            with self.lock:
                return {"searchRecords": self.store.search(search)}
        except SoqlError as exc:
            raise sf_error(400, "MALFORMED_SEARCH", str(exc)) from None
        except KeyError as exc:
            raise sf_error(400, "INVALID_FIELD", exc.args[0]) from None

    def describe(self, request: Request):
        self._auth(request)
        sobject = request.match[1]
        if sobject not in sim_data.SCHEMA:
            raise sf_error(404, "NOT_FOUND", f"sObject type '{sobject}' is not supported.")
        fields = [dict(f) for f in sim_data.SCHEMA[sobject]]
        for f in fields:
            f["externalId"] = f["name"] in self.store.external_ids.get(sobject, ())
        return {"name": sobject, "label": sobject, "fields": fields}

    def _object(self, request: Request, group: int = 1) -> str:
        sobject = request.match[group]
        if sobject not in sim_data.SCHEMA:
            raise sf_error(404, "NOT_FOUND", f"sObject type '{sobject}' is not supported.")
        return sobject

    def _body(self, request: Request) -> dict:
        body = request.json()
        if not isinstance(body, dict):
            raise sf_error(400, "JSON_PARSER_ERROR", "expecting a JSON object")
        return body

    def create(self, request: Request):
        self._auth(request)
        sobject = self._object(request)
        with self.lock:
            result = self.store.write(sobject, self._body(request), None, None, self.record_errors)
        if not result["success"]:
            raise Reply(400, [{"errorCode": e["statusCode"], **e} for e in result["errors"]])
        return 201, {"id": result["id"], "success": True, "errors": []}, {}

    def get_record(self, request: Request):
        self._auth(request)
        with self.lock:
            record = self.store.get(self._object(request), request.match[2])
        if record is None:
            raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return record

    def _check_external(self, sobject: str, field: str) -> None:
        if field not in self.store.external_ids.get(sobject, ()):
            raise sf_error(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field}",
            )

    def _written(self, body, status: int = 200):
        with self.lock:
            if self.fail_after_write > 0:  # the CRM stored it, but the answer is lost
                self.fail_after_write -= 1
                raise sf_error(503, "SERVER_UNAVAILABLE", "Service temporarily unavailable")
        return status, body, {}

    def upsert(self, request: Request):
        self._auth(request)
        sobject = self._object(request)
        field, value = request.match[2], unquote(request.match[3])
        self._check_external(sobject, field)
        with self.lock:
            result = self.store.write(
                sobject, self._body(request), field, value, self.record_errors
            )
        if not result["success"]:
            raise Reply(400, [{"errorCode": e["statusCode"], **e} for e in result["errors"]])
        return self._written(result, 201 if result["created"] else 200)

    def _records(self, request: Request) -> tuple[bool, list[dict]]:
        body = self._body(request)
        records = body.get("records")
        if not isinstance(records, list) or not records:
            raise sf_error(400, "INVALID_FIELD", "records is required")
        if len(records) > 200:
            raise sf_error(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records",
            )
        for record in records:  # unknown fields fail the whole request (JSON deserialisation)
            sobject = (
                (record.get("attributes") or {}).get("type") if isinstance(record, dict) else None
            )
            schema = {f["name"].lower() for f in sim_data.SCHEMA.get(sobject, [])}
            unknown = [k for k in record if k != "attributes" and k.lower() not in schema]
            if schema and unknown:
                raise sf_error(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{unknown[0]}' on sobject of type {sobject}",
                )
        return bool(body.get("allOrNone")), records

    def collection_create(self, request: Request):
        self._auth(request)
        _all_or_none, records = self._records(request)
        with self.lock:
            results = [
                self.store.write(
                    (r.get("attributes") or {}).get("type", ""), r, None, None, self.record_errors
                )
                for r in records
            ]
        return self._written(results)

    def collection_upsert(self, request: Request):
        self._auth(request)
        sobject, field = self._object(request), request.match[2]
        self._check_external(sobject, field)
        _all_or_none, records = self._records(request)
        with self.lock:
            results = [
                self.store.write(sobject, r, field, r.get(field), self.record_errors)
                for r in records
            ]
        return self._written(results)
