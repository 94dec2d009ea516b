"""The Installation base class: token cache, refresh before expiry under a row lock, needs_reauth."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection

from connectors.base import REFRESH_MARGIN_SECONDS, Installation
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.types import Token
from tenants.models import Role
from tests.conftest import make_user
from tests.factories import make_connector


class CountingConnector(Installation):
    """Hands out numbered tokens; counts the token flows it runs."""

    kind = "salesforce"
    lifetime = 3600
    refresh_delay = 0.0
    fail_refresh: Exception | None = None

    def __init__(self, account, **kwargs):
        super().__init__(account, **kwargs)
        self.fetched = 0
        self.refreshed: list[str] = []

    def fetch_token(self) -> Token:
        self.fetched += 1
        return Token(access_token=f"fetched-{self.fetched}", expires_at=time.time() + self.lifetime)

    def refresh_token(self, token: Token) -> Token:
        time.sleep(self.refresh_delay)  # widen the race window
        if self.fail_refresh:
            raise self.fail_refresh
        self.refreshed.append(token.access_token)
        return Token(
            access_token=f"refreshed-from-{token.access_token}",
            expires_at=time.time() + 3600,
            refresh_token="r2",
        )


def with_token(account, access_token: str, expires_in: float) -> ConnectorAccount:
    account.token = {"access_token": access_token, "expires_at": time.time() + expires_in}
    account.save()
    return ConnectorAccount.objects.unscoped().get(pk=account.pk)


@pytest.fixture
def account(tenant):
    return make_connector(tenant, name="Sales org")


def test_token_is_cached_encrypted_and_reused(account):
    connector = CountingConnector(account)
    first = connector.get_token()
    assert connector.get_token() == first and connector.fetched == 1
    reloaded = ConnectorAccount.objects.unscoped().get(pk=account.pk)
    assert reloaded.token["access_token"] == "fetched-1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM connectors_connectoraccount WHERE id = %s", [account.pk])
        assert "fetched-1" not in cursor.fetchone()[0]  # stored encrypted
    again = CountingConnector(reloaded)  # another worker reuses the stored token
    assert again.get_token().access_token == "fetched-1" and again.fetched == 0


def test_refreshed_shortly_before_expiry(account):
    fresh = CountingConnector(with_token(account, "old", REFRESH_MARGIN_SECONDS + 60))
    assert fresh.get_token().access_token == "old" and fresh.refreshed == []
    due = CountingConnector(with_token(account, "old", REFRESH_MARGIN_SECONDS - 10))
    token = due.get_token()
    assert due.refreshed == ["old"] and token.access_token == "refreshed-from-old"
    stored = ConnectorAccount.objects.unscoped().get(pk=account.pk).token
    assert stored["access_token"] == "refreshed-from-old" and stored["refresh_token"] == "r2"


def test_token_without_expiry_is_used_until_rejected(account):
    account.token = {"access_token": "forever", "expires_at": None}
    account.save()
    connector = CountingConnector(ConnectorAccount.objects.unscoped().get(pk=account.pk))
    assert connector.get_token().access_token == "forever" and connector.refreshed == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_refresh_only_once(tenant):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    account = with_token(make_connector(tenant, name="Sales org"), "old", 5)
    workers = [
        CountingConnector(ConnectorAccount.objects.unscoped().get(pk=account.pk)) for _ in range(2)
    ]
    for worker in workers:
        worker.refresh_delay = 0.4
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run(worker):
        try:
            barrier.wait()
            results.append(worker.get_token().access_token)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert sum(len(w.refreshed) for w in workers) == 1
    assert results == ["refreshed-from-old", "refreshed-from-old"]


def test_permanent_refresh_failure_needs_reauth_and_emails_admins(account, tenant, admin_user):
    make_user("viewer@acme.test", tenant, Role.VIEWER)
    connector = CountingConnector(with_token(account, "old", 5))
    connector.fail_refresh = AuthError("invalid_grant: expired access/refresh token")
    with pytest.raises(AuthError):
        connector.get_token()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.NEEDS_REAUTH
    assert account.last_error == "invalid_grant: expired access/refresh token"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin_user.email]
    assert "Sales org needs to be authorized again" in mail.outbox[0].subject
    assert "Authorize" in mail.outbox[0].body


def test_transient_refresh_failure_changes_nothing(account):
    connector = CountingConnector(with_token(account, "old", 5))
    connector.fail_refresh = ConnectorError("login.crm.test timed out: ReadTimeout")
    with pytest.raises(ConnectorError):
        connector.get_token()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.UNCONFIGURED and account.last_error == ""
    assert account.token["access_token"] == "old" and mail.outbox == []


def test_call_with_token_refreshes_once_on_auth_error(account):
    connector = CountingConnector(with_token(account, "old", 3600))
    seen = []

    def call(token):
        seen.append(token.access_token)
        if token.access_token == "old":
            raise AuthError("INVALID_SESSION_ID: Session expired or invalid")
        return "ok"

    assert connector.call_with_token(call) == "ok"
    assert seen == ["old", "refreshed-from-old"] and connector.refreshed == ["old"]


def test_call_with_token_gives_up_after_one_refresh(account):
    connector = CountingConnector(with_token(account, "old", 3600))
    seen = []

    def always_rejected(token):
        seen.append(token.access_token)
        raise AuthError("INVALID_SESSION_ID")

    with pytest.raises(AuthError):
        connector.call_with_token(always_rejected)
    assert len(seen) == 2 and connector.refreshed == ["old"]


def test_authorize_runs_token_flow_and_test_call(account):
    class Tested(CountingConnector):
        def test_connection(self):
            return {"user": "api@acme.com", "token": self.get_token().access_token}

    info = Tested(account).authorize()
    account.refresh_from_db()
    assert info == {"user": "api@acme.com", "token": "fetched-1"}
    assert account.status == ConnectorStatus.AUTHORIZED and account.authorized_at
    assert account.token["access_token"] == "fetched-1"


def test_web_flow_hooks_are_explicit(account):
    connector = CountingConnector(account)
    with pytest.raises(NotImplementedError):
        connector.authorization_url("state", "https://portal.test/cb")
    with pytest.raises(NotImplementedError):
        connector.exchange_code("code", "https://portal.test/cb")


@pytest.mark.django_db
def test_state_keys_are_written_one_at_a_time(tenant):
    """Writers of different state keys, each holding its own copy of the row, keep both."""
    account = make_connector(tenant)
    other_copy = ConnectorAccount.objects.unscoped().get(pk=account.pk)
    account.set_state_key("api_usage", {"used": 3, "limit": 100})
    other_copy.set_state_key("disconnected_at", "2026-11-21T10:00:00+00:00")
    assert ConnectorAccount.objects.unscoped().get(pk=account.pk).state == {
        "api_usage": {"used": 3, "limit": 100},
        "disconnected_at": "2026-11-21T10:00:00+00:00",
    }
    other_copy.set_state_key("disconnected_at", None)
    assert ConnectorAccount.objects.unscoped().get(pk=account.pk).state == {
        "api_usage": {"used": 3, "limit": 100}
    }
    assert other_copy.state == {}  # its own copy knows only its own key
