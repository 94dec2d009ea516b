"""Issue 11, point 9: the OpenAPI schema tells the truth about nulls.

1. Statically: every serializer field backed by a `null=True` model field is `nullable` in
   /api/schema/ (ModelSerializers, their nested serializers, and the plain serializers that
   render a known model).
2. Against real rows: every GET operation is called for a tenant whose rows have each nullable
   field null (tests/security/input_rows.py), and its response must match the documented schema
   (schemathesis' response_schema_conformance, the check the CI fuzz runs on every operation).
"""

import pytest
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calls.models import CallActivity, CallEvent
from delivery.models import SyncRecord
from tests import test_api_fuzz as fuzz

_keep_db_connection = fuzz._keep_db_connection
# Plain (non-model) serializers that render one model's rows: which model.
PLAIN_MODELS = {"Activity": CallActivity, "Event": CallEvent, "Sync": SyncRecord}


def _model_field(model, source: str):
    field = None
    for part in source.split("."):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model
    return field


def _nullable(prop: dict) -> bool:
    return bool(prop.get("nullable")) or any(p.get("nullable") for p in prop.get("oneOf", []))


def test_every_null_backed_field_is_nullable_in_the_schema(db):
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    wrong, checked = [], 0
    for (name, kind), component in generator.registry._components.items():
        serializer = component.object
        if kind != "schemas" or not isinstance(serializer, serializers.Serializer):
            continue
        model = getattr(getattr(serializer, "Meta", None), "model", None) or PLAIN_MODELS.get(name)
        if model is None:
            continue
        props = components.get(name, {}).get("properties", {})
        for field_name, field in serializer.fields.items():
            model_field = _model_field(model, field.source) if field.source != "*" else None
            if field_name not in props or model_field is None or model_field.many_to_many:
                continue
            if model_field.one_to_many:  # a reverse relation renders a list, never null
                continue
            checked += 1
            if model_field.null and not _nullable(props[field_name]):
                wrong.append(f"{name}.{field_name}")
    assert checked > 100  # the walk really saw the serializers
    assert not wrong, f"null=True in the model, not nullable in the schema: {wrong}"


def test_answered_at_is_nullable_where_calls_are_described(db):
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("Call", "Activity"):
        for field in ("started_at", "answered_at", "ended_at"):
            assert _nullable(components[name]["properties"][field]), (name, field)


GETS = [
    (path, operation)
    for path, methods in fuzz.schema.raw_schema["paths"].items()
    for method, operation in methods.items()
    if method == "get"
]


fuzz_tenant = fuzz.fuzz_tenant  # + add_rows_with_nulls(): every nullable field null


@pytest.mark.parametrize(("path", "operation"), GETS, ids=[p for p, _ in GETS])
def test_get_responses_with_null_rows_match_the_schema(fuzz_tenant, path, operation):
    raw_key, ids = fuzz_tenant  # holds tests/security/input_rows.py's rows with nulls
    collection = next((p for p in ids if path.startswith(p)), None)
    params = {
        p["name"]: ids.get(collection, ids["/api/v1/connectors/"])
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    case = fuzz.schema[path]["GET"].Case(path_parameters=params or None)
    response = case.call(headers={"Authorization": f"Bearer {raw_key}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    if "{" not in path and path.rstrip("/").rsplit("/", 1)[-1] in ("calls", "contacts", "jobs"):
        assert response.json()["count"] >= 1  # the null rows were really rendered
