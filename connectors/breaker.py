"""A circuit breaker per CRM account: a rate-limiting or failing CRM pauses its own deliveries.

The state is one key of `ConnectorAccount.state` (written with `set_state_key`, so it never
undoes other keys such as Salesforce's api_usage):

    state["breaker"] = {"failures": 2}                                    # closed, counting
    state["breaker"] = {"open": True, "until": ISO, "reason": "...", "kind": "wait",
                        "status": 429, "failures": 3, "trips": 1, "opened_at": ISO}

- closed: deliveries run, at most DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR batches at once.
- open until `until`: nothing of this connector is claimed; its due rows wait until then.
  The CRM asking to wait (HTTP 429, any `Retry-After`, Salesforce's REQUEST_LIMIT_EXCEEDED)
  opens it for that long (kind "wait"); DELIVERY_BREAKER_FAILURES transient failures in a row
  open it for DELIVERY_BREAKER_OPEN_SECONDS * 2**(trips - 1), at most
  DELIVERY_BREAKER_MAX_SECONDS (kind "failures").
- half-open once `until` has passed: one batch at a time probes the CRM; an answer closes the
  breaker, another failure opens it again (trips + 1).

Written by hand (no library) because the state must live in the database, shared by every
worker process, next to the outbox rows it gates.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount

KEY = "breaker"


def asks_to_wait(exc: ConnectorError) -> bool:
    """The CRM said "not now": a rate limit or an explicit Retry-After (not the rows' fault)."""
    return exc.status == 429 or exc.retry_after is not None or exc.code == "REQUEST_LIMIT_EXCEEDED"


@dataclass
class Breaker:
    open: bool = False
    until: datetime | None = None
    reason: str = ""
    kind: str = ""
    failures: int = 0
    trips: int = 0

    @classmethod
    def of(cls, account: ConnectorAccount) -> "Breaker":
        data = (account.state or {}).get(KEY) or {}
        if not isinstance(data, dict):
            return cls()
        until = parse_datetime(str(data.get("until") or ""))
        return cls(
            open=bool(data.get("open")) and until is not None,
            until=until,
            reason=str(data.get("reason") or ""),
            kind=str(data.get("kind") or ""),
            failures=int(data.get("failures") or 0),
            trips=int(data.get("trips") or 0),
        )

    def paused(self, now: datetime) -> bool:
        return self.open and self.until > now

    def half_open(self, now: datetime) -> bool:
        return self.open and self.until <= now


def slots(account: ConnectorAccount, now: datetime | None = None) -> int:
    """How many batches of this connector may be in flight now (0 while paused)."""
    now = now or timezone.now()
    breaker = Breaker.of(account)
    if breaker.paused(now):
        return 0
    if breaker.half_open(now):
        return 1  # one probe
    return max(1, int(settings.DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR))


def _fresh(account: ConnectorAccount) -> None:
    """Other workers write the breaker too: read the stored state before deciding."""
    rows = ConnectorAccount.objects.for_tenant(account.tenant_id).filter(pk=account.pk)
    stored = rows.values_list("state", flat=True).first()
    account.state = stored or {}


def record_success(account: ConnectorAccount) -> None:
    """The CRM answered: close the breaker (one write only when there was something to reset)."""
    _fresh(account)
    if KEY in account.state:
        account.set_state_key(KEY, None)


def record_failure(account: ConnectorAccount, exc: ConnectorError, now=None) -> datetime | None:
    """Count a failed batch; returns the pause's end when the breaker is (re)opened by it."""
    if exc.permanent and not asks_to_wait(exc):
        record_success(account)  # the CRM answered (bad data, bad credentials): not an outage
        return None
    now = now or timezone.now()
    _fresh(account)
    breaker = Breaker.of(account)
    failures = breaker.failures + 1
    if asks_to_wait(exc):
        kind = "wait"
    elif breaker.half_open(now) or failures >= int(settings.DELIVERY_BREAKER_FAILURES):
        kind = "failures"
    else:
        account.set_state_key(KEY, {"failures": failures, "trips": breaker.trips})
        return None
    trips = breaker.trips + 1
    until = now + timedelta(seconds=pause_seconds(exc, trips, kind))
    account.set_state_key(
        KEY,
        {
            "open": True,
            "until": until.isoformat(),
            "opened_at": now.isoformat(),
            "reason": reason(exc, kind, failures),
            "kind": kind,
            "status": exc.status,
            "failures": failures,
            "trips": trips,
        },
    )
    return until


def pause_seconds(exc: ConnectorError, trips: int, kind: str) -> float:
    """Exactly the CRM's Retry-After when it sent one, else a pause that doubles per trip."""
    if kind == "wait" and exc.retry_after is not None:
        return min(float(exc.retry_after), float(settings.CALLS_RETRY_CAP_SECONDS))
    base = float(settings.DELIVERY_BREAKER_OPEN_SECONDS)
    return min(base * 2 ** max(0, trips - 1), float(settings.DELIVERY_BREAKER_MAX_SECONDS))


def reason(exc: ConnectorError, kind: str, failures: int) -> str:
    if exc.code == "REQUEST_LIMIT_EXCEEDED":
        return "the CRM's API request limit is reached (REQUEST_LIMIT_EXCEEDED)"
    if exc.status == 429:
        return "the CRM is rate-limiting (HTTP 429)"
    if kind == "wait":
        status = f"HTTP {exc.status}" if exc.status else "Retry-After"
        return f"the CRM asked to wait ({status})"
    return f"{failures} failed deliveries in a row: {str(exc)[:200]}"


def allow_probe(account: ConnectorAccount, now=None) -> bool:
    """A manual retry: end a failure pause now (half-open). A pause the CRM asked for stays."""
    now = now or timezone.now()
    _fresh(account)
    breaker = Breaker.of(account)
    if not breaker.paused(now) or breaker.kind == "wait":
        return False
    data = dict(account.state[KEY], until=now.isoformat())
    account.set_state_key(KEY, data)
    return True


def describe(account: ConnectorAccount, now=None) -> dict | None:
    """What the connector's page and the API show: None when deliveries run normally."""
    now = now or timezone.now()
    breaker = Breaker.of(account)
    if not breaker.open:
        return None
    return {
        "state": "paused" if breaker.paused(now) else "probing",
        "paused_until": breaker.until,
        "reason": breaker.reason,
    }
