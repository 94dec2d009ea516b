"""portal/fastserializers.py: the calls list says, key for key, what DRF's own
`to_representation` says for the same rows (sync entries, legs, events, nulls included)."""

import pytest
from rest_framework import serializers

from calls.models import Call, CallEvent, CallSyncSettings
from connectors.models import ConnectorAccount
from portal.fastserializers import FastRepresentation
from tests.calls.test_console_queries import _calls_with_legs

pytestmark = pytest.mark.django_db


def _drf_only(monkeypatch):
    monkeypatch.setattr(
        FastRepresentation,
        "to_representation",
        lambda self, instance: super(FastRepresentation, self).to_representation(instance),
    )


def test_calls_list_is_what_drf_says(api, tenant, monkeypatch):
    calls = _calls_with_legs(tenant, 12)
    Call.objects.for_tenant(tenant).filter(pk=calls[0].pk).update(
        answered_at=None, agent_email="", notes="n"
    )
    CallEvent.objects.for_tenant(tenant).create(
        tenant=tenant,
        call_id=calls[1].call_id,
        event_id="e1",
        type="ended",
        occurred_at=calls[1].started_at,
        received_at=calls[1].started_at,
    )
    fast = api.get("/api/v1/calls/", {"page_size": 50}).json()
    _drf_only(monkeypatch)
    drf = api.get("/api/v1/calls/", {"page_size": 50}).json()
    assert fast == drf
    assert len(fast["results"]) == 12 and any(r["events"] for r in fast["results"])
    assert any(r["answered_at"] is None for r in fast["results"])


class _Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def label(self):
        return f"<{self.name}>"


class _S(FastRepresentation, serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()
    label = serializers.CharField()  # a method as the source: DRF calls it
    missing = serializers.CharField(default="none")
    nested = serializers.CharField(source="other.name", default="")


def test_methods_defaults_dotted_sources_and_mappings_as_drf():
    row = _Row(name="a", count="7", other=None)
    assert _S(row).data == {
        "name": "a",
        "count": 7,
        "label": "<a>",
        "missing": "none",
        "nested": "",
    }
    mapping = {"name": "b", "count": 2, "label": "x"}
    assert _S(mapping).data == {
        "name": "b",
        "count": 2,
        "label": "x",
        "missing": "none",
        "nested": "",
    }


def test_a_related_field_reads_the_key_without_a_query(tenant, django_assert_num_queries):
    connector = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    CallSyncSettings.objects.for_tenant(tenant).get_or_create(tenant=tenant, connector=connector)
    row = CallSyncSettings.objects.for_tenant(tenant).get(connector=connector)

    class S(FastRepresentation, serializers.ModelSerializer):
        class Meta:
            model = CallSyncSettings
            fields = ["connector"]

    with django_assert_num_queries(0):
        assert S(row).data == {"connector": connector.pk}
