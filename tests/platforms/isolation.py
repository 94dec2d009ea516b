"""Isolation cases for the contact-center platform routes (tests/test_isolation.py)."""

from tests.platforms.helpers import make_uis_account
from tests.retailcrm.isolation import make_retailcrm

CASES = {
    "contact-center-test": lambda t: {"pk": make_uis_account(t).pk},
    "contacts:cc_toggle": lambda t: {"pk": make_uis_account(t).pk},
    "contact-center-uis-notifications": lambda t: {"pk": make_uis_account(t).pk},
    "retailcrm-user-status": lambda t: {"connector_id": make_retailcrm(t).pk},
}
