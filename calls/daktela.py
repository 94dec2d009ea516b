"""The Daktela events-module form, received by the calls API (`GET /call-events/daktela/`).

platforms/daktela/adapter.py turns the form into call-event dicts; here they are validated as
any other call events, in the tenant's time zone.
"""

from rest_framework.exceptions import ValidationError

from calls.validation import validate_events
from platforms.daktela.adapter import form_events


def daktela_events(params, tenant) -> list[dict]:
    """Validated events for one activity; raises ValidationError naming the bad parameter."""
    events = form_events(params, tenant.zone)
    try:
        return validate_events(events)
    except ValidationError as exc:  # map back to one flat error naming the event field
        detail = exc.detail
        first = next(iter(detail.values())) if isinstance(detail, dict) else detail
        raise ValidationError(first)
