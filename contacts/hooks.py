"""What higher apps tell the contacts pages, registered in their AppConfig.ready.

contacts sits below calls (docs/architecture.md), so it never imports calls; the calls app
registers how to read its per-connector default CRM owner for unmatched agents (shown on the
user-mappings page) with `set_default_owner_lookup` (calls/apps.py).
"""

from collections.abc import Callable

DefaultOwner = dict  # {"value": CRM user id or "", "url": the page that sets it or ""}

_default_owner_lookup: Callable[[object], DefaultOwner | None] | None = None


def set_default_owner_lookup(lookup: Callable[[object], DefaultOwner | None]) -> None:
    global _default_owner_lookup
    _default_owner_lookup = lookup


def default_owner(account) -> DefaultOwner | None:
    """The default owner of one connector's unmatched agents; None when no app says."""
    if account is None or _default_owner_lookup is None:
        return None
    return _default_owner_lookup(account)
