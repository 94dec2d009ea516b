"""Call events in, calls out, per-connector call sync settings (../shared/API.md)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from calls import daktela, ingest, signing
from calls.call_logs import CALL_LOG
from calls.daktela_channels import activity_channel, daktela_interaction
from calls.filters import CALLS_KEYSET, FILTERS, CallFilter
from calls.interactions import store_interactions
from calls.models import Call, CallEvent, CallSyncSettings
from calls.retry import redecide
from calls.retry_jobs import BadFilter, filter_params, start_bulk_retry
from calls.serializers import (
    ACCEPTED,
    EVENTS_BODY,
    CallDetailSerializer,
    CallEventSerializer,
    CallSerializer,
    CallSyncSettingsSerializer,
    calls_with_details,
)
from calls.validation import validate_events
from connectors.capabilities import Capability, require
from connectors.models import ConnectorAccount
from delivery import outbox
from delivery.models import SyncRecord
from jobs.api import JobSerializer
from portal import logcontext, metrics
from portal.api import ApiError
from portal.paging import KeysetPagination
from portal.parsers import json_body
from tenants.scoping import TenantAPIView, TenantScopedReadOnlyViewSet, get_for_tenant


class CallEventsView(TenantAPIView):
    """Receive call events: one object or an array of up to 1000. Idempotent by event_id."""

    queryset = CallEvent.objects.all()
    serializer_class = CallEventSerializer

    @extend_schema(
        request={"application/json": EVENTS_BODY},
        responses={202: ACCEPTED},
        description="One event object or an array of up to 1000; 202 once stored durably.",
    )
    @metrics.counting_rejections("api")
    def post(self, request):
        try:
            signing.check_request(self.tenant, request)
        except signing.SignatureError as exc:
            raise ApiError(401, "invalid_signature", str(exc))
        events = validate_events(json_body(request))  # 415 unless JSON; depth-bounded
        logcontext.bind_events(events)
        accepted, duplicates = ingest.store_events(self.tenant, events)
        return Response({"accepted": accepted, "duplicates": duplicates}, status=202)


class DaktelaEventsView(TenantAPIView):
    """The Daktela events-module form: one GET per closed activity (query-token allowed)."""

    allow_query_token = True
    queryset = CallEvent.objects.all()

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=name in ("ID", "ActivityID", "CallEnd"))
            for name in (*daktela.FORM_PARAMS, "access_token")
        ],
        responses={202: ACCEPTED},
    )
    @metrics.counting_rejections("daktela")
    def get(self, request):
        if request.headers.get("webhook-signature"):
            try:
                signing.check_request(self.tenant, request)
            except signing.SignatureError as exc:
                raise ApiError(401, "invalid_signature", str(exc))
        if channel := activity_channel(request.query_params):  # EMAIL / CHAT / SMS
            item = daktela_interaction(request.query_params, self.tenant, channel)
            accepted, duplicates = store_interactions(self.tenant, [item], source="daktela")
            return Response({"accepted": accepted, "duplicates": duplicates}, status=202)
        # completed from Daktela's API before it is stored (calls/daktela.py)
        new = daktela.receive(request.query_params, self.tenant)  # counted per activity
        return Response({"accepted": new, "duplicates": 1 - new}, status=202)


# --- calls (audit) ---------------------------------------------------------------------------


RETRY_RESULT = inline_serializer(
    "CallRetry",
    {
        "requeued": serializers.IntegerField(),
        "outcomes": inline_serializer(
            "CallRetryOutcome",
            {
                "connector": serializers.IntegerField(),
                "state": serializers.CharField(),
                "note": serializers.CharField(help_text="what changed, in words"),
            },
            many=True,
        ),
    },
)


class CallViewSet(TenantScopedReadOnlyViewSet):
    """Calls folded from events, with their activities, timeline and CRM sync state."""

    queryset = Call.objects.all()
    serializer_class = CallSerializer
    pagination_class = KeysetPagination
    keyset = CALLS_KEYSET  # newest first; a cursor per page (portal/paging.py)

    def get_serializer_class(self):
        return CallDetailSerializer if self.action == "retrieve" else CallSerializer

    def get_queryset(self):
        if self.action != "list":
            return calls_with_details(super().get_queryset(), attempts=self.action == "retrieve")
        filters = CallFilter(self.request.query_params, tenant=self.tenant)
        if filters.problems:
            raise ValidationError(filters.problems)
        return calls_with_details(filters.qs)  # ordered by the keyset pagination

    @extend_schema(parameters=[OpenApiParameter(n, str) for n in FILTERS])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        by_call: dict[str, list] = {}
        events = CallEvent.objects.for_tenant(self.tenant).filter(
            call_id__in=[c.call_id for c in page]
        )
        for ev in events.order_by("occurred_at", "id"):
            by_call.setdefault(ev.call_id, []).append(ev)
        context = {**self.get_serializer_context(), "events_by_call": by_call}
        data = CallSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=None,
        responses={202: RETRY_RESULT},
        description="Decide the call again with today's settings, mappings and contacts: "
        "failed or dead syncs are rebuilt, a skip whose reason no longer holds is sent.",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        call = self.get_object()
        outcomes = redecide(call)
        others = SyncRecord.objects.for_tenant(self.tenant).filter(call=call)
        requeued = sum(o.queued for o in outcomes) + outbox.retry(others.exclude(kind=CALL_LOG))
        said = [{"connector": o.connector_id, "state": o.after, "note": o.note} for o in outcomes]
        return Response({"requeued": requeued, "outcomes": said}, status=202)

    @extend_schema(
        operation_id="v1_calls_bulk_retry",
        request=None,
        parameters=[OpenApiParameter(n, str) for n in FILTERS],
        responses={202: JobSerializer},
        description="Bulk retry: every decided call matching the list's filters (query "
        "parameters, or the same names in a JSON body) is decided again by a background job; "
        "202 with the job (GET /jobs/{id}/ for progress and, when done, what changed per call).",
    )
    @action(detail=False, methods=["post"], url_path="retry")
    def retry_all(self, request):
        params = filter_params(request.query_params)
        if request.body:
            body = json_body(request)
            if not isinstance(body, dict):
                raise ApiError(400, "invalid", "Send the filters as a JSON object.")
            params |= filter_params(body)
        try:
            job = start_bulk_retry(self.tenant, params)
        except BadFilter as exc:
            raise ValidationError(exc.problems) from None
        return Response(JobSerializer(job).data, status=202)


# --- call sync settings ----------------------------------------------------------------------


class CallSyncSettingsView(TenantAPIView):
    """How calls are logged to one connector."""

    queryset = ConnectorAccount.objects.all()
    serializer_class = CallSyncSettingsSerializer

    def _settings(self, pk):
        account = get_for_tenant(ConnectorAccount, self.tenant, pk=pk)
        return CallSyncSettings.for_connector(require(account, Capability.CALL_LOG))

    def get(self, request, pk):
        return Response(self.get_serializer(self._settings(pk)).data)

    @extend_schema(request=CallSyncSettingsSerializer, responses=CallSyncSettingsSerializer)
    def put(self, request, pk):
        serializer = self.get_serializer(self._settings(pk), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)
