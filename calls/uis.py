"""UIS call notifications: `POST /api/v1/contact-center/{id}/uis/notifications/` (query-token).

UIS's notification service POSTs one JSON body per event (its template built from UIS's
notification variables: call_session_id, contact_phone_number, virtual_phone_number,
employee_id, is_lost, ...). platforms/uis/adapter.py turns it into call events; an ended call
that was talked is completed first from the Data API (`get.call_legs_report`: employee, talk
time, recording) through UisPlatform.complete_activity, then the events are validated and
stored as any other (calls/ingest.py), so they fold, decide and log to the CRM. Idempotent by
`call_session_id` + event (the event id); a disabled account accepts nothing.
"""

import logging
from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from calls import ingest
from calls.models import CallEvent
from calls.serializers import ACCEPTED
from calls.validation import validate_events
from connectors.errors import ConnectorError
from platforms.models import ContactCenterAccount
from platforms.registry import platform_for
from platforms.uis.adapter import NotificationError, notification_events
from portal import metrics
from portal.api import ApiError
from portal.parsers import json_body
from tenants.scoping import TenantAPIView, get_for_tenant

log = logging.getLogger(__name__)


def completed(account, event: dict) -> dict:
    """The ended event with what the Data API knows of its call session (notification wins)."""
    try:
        details = platform_for(account).complete_activity(
            event["activity_id"], around=datetime.fromisoformat(event["occurred_at"])
        )
    except ConnectorError as exc:  # the notification's own values still make a call
        log.warning(
            "UIS account %s: call legs of %s not read: %s", account.pk, event["activity_id"], exc
        )
        return event
    if details is None:
        return event
    extra = {k: v for k, v in details.event.items() if event.get(k) in (None, "")}
    return {**event, **extra}


class UisNotificationsView(TenantAPIView):
    """UIS call notifications for one UIS account of the tenant (query-token allowed)."""

    allow_query_token = True
    queryset = CallEvent.objects.all()

    @extend_schema(
        parameters=[OpenApiParameter("access_token", str)],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={202: ACCEPTED, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        description="One UIS notification (event, call_session_id, contact_phone_number, "
        "virtual_phone_number, employee_id, is_lost, notification_time, talk_time_duration).",
    )
    @metrics.counting_rejections("uis")
    def post(self, request, pk: int):
        accounts = ContactCenterAccount.objects.filter(kind="uis")
        account = get_for_tenant(accounts, self.tenant, pk=pk)
        if not account.enabled:
            raise ApiError(409, "disabled", f"{account.name} is disabled in the portal.")
        body = json_body(request)
        if not isinstance(body, dict):
            raise ValidationError({"non_field_errors": ["Send one notification object."]})
        try:
            events = notification_events(body, self.tenant.zone, timezone.now())
        except NotificationError as exc:
            raise ValidationError(exc.errors) from exc
        known = set(
            CallEvent.objects.for_tenant(self.tenant)
            .filter(event_id__in=[e["event_id"] for e in events])
            .values_list("event_id", flat=True)
        )
        events = [
            completed(account, e) if e["type"] == "ended" and e["event_id"] not in known else e
            for e in events
        ]
        accepted, duplicates = ingest.store_events(
            self.tenant, validate_events(events), source="uis"
        )
        return Response({"accepted": accepted, "duplicates": duplicates}, status=202)
