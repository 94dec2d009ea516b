"""A scripted in-test connector for the UI, OAuth and API tests (no network).

`use_stub(monkeypatch)` makes every "salesforce" account use StubConnector (the registry is
the seam: connectors.registry.provider answers a provider built from StubConnector's class
attributes, so a test may monkeypatch a provider fact such as `deactivate_by_hand` on the
class). Its behaviour is set per test through StubConnector.script (reset by the fixture).
"""

import time
from urllib.parse import urlencode

from connectors import registry
from connectors.base import Installation, Provider
from connectors.errors import AuthError, ConnectorError
from connectors.salesforce.forms import SalesforceForm
from connectors.salesforce.provider import PROVIDER as SALESFORCE
from connectors.types import Token


class StubConnector(Installation):
    # The provider facts (stub_provider() reads them on every registry lookup).
    kind = "salesforce"
    label = "Salesforce"
    description = "Stub Salesforce for tests."
    form_class = SalesforceForm
    guide_template = ""
    deactivate_by_hand = ""
    script: dict = {}
    calls: list = []

    def _step(self, name: str):
        StubConnector.calls.append(name)
        outcome = StubConnector.script.get(name)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def fetch_token(self) -> Token:
        self._step("fetch_token")
        if self.credentials.get("password") == "wrong":
            raise AuthError("invalid_grant: authentication failure")
        return Token(access_token=f"tok-{len(StubConnector.calls)}", expires_at=time.time() + 3600)

    def test_connection(self) -> dict:
        self.get_token()  # the stored (or just fetched) token, refreshed if due
        self._step("test_connection")
        return {"user": self.settings.get("username", ""), "org": "Acme Org"}

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        self._step("authorization_url")
        query = urlencode({"response_type": "code", "state": state, "redirect_uri": redirect_uri})
        return f"https://login.crm.test/services/oauth2/authorize?{query}"

    def exchange_code(self, code: str, redirect_uri: str) -> Token:
        outcome = self._step("exchange_code")
        if isinstance(outcome, Token):
            return outcome
        if code != "good-code":
            raise AuthError("invalid_grant: expired authorization code")
        return Token(access_token="web-token", refresh_token="r1", expires_at=time.time() + 3600)


def stub_provider() -> Provider:
    """Salesforce's capabilities (web flow included) with StubConnector's facts."""
    return Provider(
        kind=StubConnector.kind,
        label=StubConnector.label,
        description=StubConnector.description,
        installation_class=StubConnector,
        form_class=StubConnector.form_class,
        guide_template=StubConnector.guide_template,
        deactivate_by_hand=StubConnector.deactivate_by_hand,
        capabilities=SALESFORCE.capabilities,
    )


def use_stub(monkeypatch) -> type[StubConnector]:
    real = registry.provider
    StubConnector.script = {}
    StubConnector.calls = []
    monkeypatch.setattr(
        registry,
        "provider",
        lambda kind: stub_provider() if kind == "salesforce" else real(kind),
    )
    return StubConnector


__all__ = ["StubConnector", "use_stub", "AuthError", "ConnectorError"]
