"""Unique names under concurrency: a unique-constraint violation is the field's error, not a 500.

Forms and serializers check "this name already exists" first, for a friendly message; two
requests that both pass that check still race to the INSERT/UPDATE, and the loser's
IntegrityError used to be a 500. Here the write runs in a savepoint, and a violation of one of
the model's UniqueConstraints becomes `ValidationError({field: [message]})` naming the
constraint's last field (`name` of (tenant, name), `agent_id` of (connector, agent_id)):

* services wrap their save in `as_field_error(Model)`;
* the API (tenants.scoping.TenantAPIMixin) turns it into DRF's 400 with `error.fields`;
* pages call `save_form(form, save)`, which puts it on the form (False: show it again).

The constraint is found by name (PostgreSQL's diagnostics) or by its columns (SQLite's message).
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from rest_framework import serializers


def violated_field(model, exc: IntegrityError) -> str | None:
    """The field a unique-constraint violation of `model` is about, or None if it is not one."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    text = str(exc)
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint) or not constraint.fields:
            continue
        if name == constraint.name or (name is None and _columns_named(model, constraint, text)):
            return [f for f in constraint.fields if f != "tenant"][-1]
    return None


def _columns_named(model, constraint, text: str) -> bool:
    table = model._meta.db_table
    columns = [f"{table}.{model._meta.get_field(f).column}" for f in constraint.fields]
    return "UNIQUE constraint failed" in text and text.rsplit(":", 1)[-1].strip() == ", ".join(
        columns
    )


def message_for(model, field: str) -> str:
    label = model._meta.get_field(field).verbose_name
    return f"{str(model._meta.verbose_name).capitalize()} with this {label} already exists."


@contextmanager
def as_field_error(model, messages: dict[str, str] | None = None):
    """Run the block in a savepoint; a unique violation of `model` -> ValidationError(field)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        field = violated_field(model, exc)
        if field is None:
            raise
        message = (messages or {}).get(field) or message_for(model, field)
        raise ValidationError({field: [message]}) from exc


@contextmanager
def as_api_error(model):
    """For API views: the same, raised as DRF's ValidationError (400 naming the field)."""
    try:
        with as_field_error(model):
            yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.messages) from exc
        raise serializers.ValidationError(exc.message_dict) from exc


def save_form(form, save, model=None) -> bool:
    """Run `save()`; a unique violation (or a ValidationError it raises) goes on the form
    instead, and the answer is False: show the form again."""
    try:
        with as_field_error(model or form._meta.model):
            save()
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages in errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return False
    return True
