# Fixtures shared with the calls tests: the pipeline runner and the fake CRM with tickets.
from tests.automations.fakes_tickets import ticket_crm  # noqa: F401
from tests.calls.conftest import run_on_commit  # noqa: F401
