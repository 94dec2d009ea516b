"""The Salesforce simulator's login side: OAuth token endpoint, authorize redirect, SOAP login,
userinfo, and the session check every REST handler starts with.

Mixed into SalesforceSimulator (which holds the state these methods use).
"""

import base64
import hashlib
import hmac
import html
import re
import secrets
import time
from urllib.parse import urlencode

from simulators.base import Reply, Request
from simulators.salesforce import data as sim_data
from simulators.salesforce.writes import sf_error


class OAuthHandlers:
    def _base_url(self, request: Request) -> str:
        """The instance URL handed out at login (`sim.instance_url`, else the Host called)."""
        if self.instance_url:
            return self.instance_url
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
            if len(self.access_tokens) > 500:  # a long-running demo: forget the oldest sessions
                for old in sorted(self.access_tokens, key=self.access_tokens.get)[:250]:
                    del self.access_tokens[old]
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
