"""Scoping fails closed: the default manager of a tenant-owned model refuses an unscoped query.

What counts as scoped is in tenants/scoping.py's docstring; these tests pin it down, and check
that Django's own machinery (FK descriptors, cascades, model validation, prefetches, the admin)
keeps working with the strict default manager.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.forms import modelform_factory

from calls.models import Call, CallActivity
from connectors.models import ConnectorAccount
from contacts.models import Contact, ContactPhone
from tenants.models import Tenant
from tenants.scoping import TenantQuerySet, TenantScopedAdmin, TenantScopedModel, UnscopedQueryError
from tests.conftest import make_user
from tests.factories import SF_CREDENTIALS, make_connector

pytestmark = pytest.mark.django_db

TENANT_OWNED = sorted(
    (m for m in apps.get_models() if issubclass(m, TenantScopedModel)), key=lambda m: m.__name__
)


def _call(tenant, call_id="C1"):
    return Call.objects.create(tenant=tenant, call_id=call_id, ended=True)


# --- refused ----------------------------------------------------------------------------------

EVALUATIONS = {
    "iteration": lambda qs: list(qs),
    "len": lambda qs: len(qs),
    "bool": lambda qs: bool(qs),
    "index": lambda qs: qs[0],
    "get": lambda qs: qs.get(call_id="C1"),
    "first": lambda qs: qs.first(),
    "last": lambda qs: qs.last(),
    "latest": lambda qs: qs.latest("id"),
    "count": lambda qs: qs.count(),
    "exists": lambda qs: qs.exists(),
    "aggregate": lambda qs: qs.aggregate(n=Count("id")),
    "values": lambda qs: list(qs.values("call_id")),
    "values_list": lambda qs: list(qs.values_list("call_id", flat=True)),
    "iterator": lambda qs: list(qs.iterator()),
    "in_bulk": lambda qs: qs.in_bulk(),
    "update": lambda qs: qs.update(status="x"),
    "delete": lambda qs: qs.delete(),
    "get_or_create": lambda qs: qs.get_or_create(call_id="C1"),
    "update_or_create": lambda qs: qs.update_or_create(call_id="C1", defaults={"status": "x"}),
    "explain": lambda qs: qs.explain(),
}


@pytest.mark.parametrize("how", sorted(EVALUATIONS))
def test_unscoped_queries_are_refused(how, tenant):
    _call(tenant)
    with pytest.raises(UnscopedQueryError, match=r"Call\.objects queried without a tenant"):
        EVALUATIONS[how](Call.objects.filter(ended=True))
    with pytest.raises(UnscopedQueryError):
        EVALUATIONS[how](Call.objects.all())


def test_the_error_says_what_to_do(tenant):
    with pytest.raises(UnscopedQueryError) as exc:
        Contact.objects.count()
    assert ".for_tenant(tenant)" in str(exc.value)
    assert "Contact.objects.unscoped()" in str(exc.value)


@pytest.mark.parametrize(
    "build",
    [
        lambda t: Call.objects.exclude(tenant=t),  # "not this tenant" is every other one
        lambda t: Call.objects.filter(Q(tenant=t) | Q(ended=True)),  # OR: not pinned
        lambda t: Call.objects.filter(tenant__in=Tenant.objects.all()),  # a query, not values
        lambda t: Call.objects.filter(tenant__active=True),  # another table's column
        lambda t: Call.objects.filter(tenant__isnull=False),
        lambda t: Call.objects.filter(pk=1),  # an id alone is the leak this guards against
    ],
)
def test_filters_that_do_not_scope(build, tenant):
    with pytest.raises(UnscopedQueryError):
        list(build(tenant))


def test_every_tenant_owned_model_is_strict():
    assert len(TENANT_OWNED) >= 20
    for model in TENANT_OWNED:
        assert isinstance(model._default_manager.all(), TenantQuerySet), model
        with pytest.raises(UnscopedQueryError):
            model._default_manager.exists()


# --- allowed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda t, o: Call.objects.for_tenant(t),
        lambda t, o: Call.objects.for_tenant(t.pk),
        lambda t, o: Call.objects.filter(tenant=t),
        lambda t, o: Call.objects.filter(tenant_id=t.pk),
        lambda t, o: Call.objects.filter(tenant__pk=t.pk),
        lambda t, o: Call.objects.filter(tenant__in=[t]),
        lambda t, o: Call.objects.filter(tenant_id__in=[t.pk]),
        lambda t, o: Call.objects.filter(Q(ended=True) & Q(tenant=t)),
        lambda t, o: Call.objects.filter(Q(tenant=t) | Q(tenant=t)),  # every branch pinned
        lambda t, o: Call.objects.filter(ended=True).filter(tenant=t).exclude(status="x"),
    ],
)
def test_scoped_querysets_see_only_their_tenant(build, tenant, other_tenant):
    mine, _theirs = _call(tenant), _call(other_tenant)
    qs = build(tenant, other_tenant)
    assert list(qs) == [mine]
    assert qs.count() == 1 and qs.exists()
    assert list(qs.values_list("pk", flat=True)) == [mine.pk]


def test_for_tenant_none_is_empty_not_an_error(tenant):
    _call(tenant)
    assert list(Call.objects.for_tenant(None)) == []
    assert Call.objects.none().count() == 0


def test_unscoped_is_every_tenant_on_purpose(tenant, other_tenant):
    _call(tenant), _call(other_tenant)
    assert Call.objects.unscoped().count() == 2
    assert Call.objects.unscoped().filter(ended=True).count() == 2  # survives chaining
    assert Call.objects.filter(ended=True).unscoped().count() == 2
    assert Call.objects.unscoped().values("tenant_id").distinct().count() == 2
    assert Call.objects.unscoped().for_tenant(tenant).count() == 1
    with pytest.raises(UnscopedQueryError):  # the manager itself stays strict
        Call.objects.count()


def test_rows_reached_from_a_row_are_scoped(tenant, other_tenant):
    call = _call(tenant)
    CallActivity.objects.create(tenant=tenant, call=call, activity_id="a1")
    CallActivity.objects.create(tenant=other_tenant, call=_call(other_tenant), activity_id="a2")
    assert [a.activity_id for a in call.activities.all()] == ["a1"]
    assert call.activities.count() == 1 and call.activities.filter(activity_id="a1").exists()
    account = make_connector(tenant)
    assert account.contacts.count() == 0
    assert account.sync_records.filter(kind="call_log").count() == 0


def test_prefetches_work_and_do_not_unlock_the_manager(tenant):
    call = _call(tenant)
    CallActivity.objects.create(tenant=tenant, call=call, activity_id="a1")
    calls = list(Call.objects.for_tenant(tenant).prefetch_related("activities"))
    assert [a.activity_id for a in calls[0].activities.all()] == ["a1"]
    custom = Prefetch("activities", CallActivity.objects.order_by("id"))
    calls = list(Call.objects.for_tenant(tenant).prefetch_related(custom))
    assert [a.activity_id for a in calls[0].activities.all()] == ["a1"]
    with pytest.raises(UnscopedQueryError):  # the prefetch's row hint stayed on its queryset
        CallActivity.objects.order_by("id").count()


def test_writes_of_rows_in_hand_need_no_scope(tenant, other_tenant):
    mine = Call.objects.create(tenant=tenant, call_id="C1")
    theirs = Call.objects.create(tenant=other_tenant, call_id="C1")
    Call.objects.bulk_create([Call(tenant=tenant, call_id="C2")])
    mine.status = "done"
    mine.save()
    theirs.status = "done"
    assert Call.objects.bulk_update([mine, theirs], ["status"]) == 2  # their own tenants
    mine.refresh_from_db()
    assert mine.status == "done"
    obj, created = Call.objects.get_or_create(tenant=tenant, call_id="C3")
    assert created and obj.tenant_id == tenant.pk
    mine.delete()
    assert Call.objects.unscoped().count() == 3


# --- Django's own machinery -------------------------------------------------------------------


def test_base_manager_stays_plain():
    for model in TENANT_OWNED:
        assert model._meta.base_manager_name is None, model
        assert type(model._base_manager.all()).__name__ == "QuerySet", model
        assert not isinstance(model._base_manager.all(), TenantQuerySet), model


def test_fk_descriptors_and_cascades_use_the_base_manager(tenant, other_tenant):
    account = make_connector(tenant)
    call = _call(tenant)
    activity = CallActivity.objects.create(tenant=tenant, call=call, activity_id="a1")
    fresh = CallActivity.objects.for_tenant(tenant).get(pk=activity.pk)
    assert fresh.call == call  # forward FK descriptor
    contact = Contact.objects.create(tenant=tenant, connector=account, crm_id="003")
    ContactPhone.objects.create(tenant=tenant, contact=contact, raw="1", e164="+1")
    other = Contact.objects.create(
        tenant=other_tenant, connector=make_connector(other_tenant), crm_id="003"
    )
    account.delete()  # cascades to contacts and their phones through _base_manager
    assert list(Contact.objects.unscoped().values_list("pk", flat=True)) == [other.pk]
    assert ContactPhone.objects.unscoped().count() == 0
    tenant.delete()  # the tenant cascade too
    assert Call.objects.unscoped().count() == 0


def test_model_validation_reports_a_taken_tenant_name(tenant, other_tenant):
    make_connector(tenant, name="Sales")
    make_connector(other_tenant, name="Sales 2")
    dup = ConnectorAccount(tenant=tenant, kind="salesforce", name="Sales")
    with pytest.raises(ValidationError) as exc:
        dup.validate_constraints()  # the (tenant, name) constraint, via _default_manager
    assert "already exists" in str(exc.value)
    ConnectorAccount(tenant=other_tenant, kind="salesforce", name="Sales").validate_constraints()


def test_a_form_shows_the_unique_tenant_name_error(tenant):
    make_connector(tenant, name="Sales")
    Form = modelform_factory(ConnectorAccount, fields=["name", "kind"])
    form = Form({"name": "Sales", "kind": "salesforce"}, instance=ConnectorAccount(tenant=tenant))
    assert form.is_valid()  # tenant is not a form field: the form skips that constraint ...
    try:
        form.instance.full_clean()  # ... which the model's full validation checks
    except ValidationError as exc:
        form.add_error(None, exc)
    assert form.non_field_errors() == [
        "Connector account with this Tenant and Name already exists."
    ]


# --- the admin --------------------------------------------------------------------------------


def test_every_tenant_owned_model_is_in_the_admin_through_tenant_scoped_admin():
    for model in TENANT_OWNED:
        assert model in admin.site._registry, f"{model.__name__} has no admin"
        assert isinstance(admin.site._registry[model], TenantScopedAdmin), model


@pytest.fixture
def superuser_client(client):
    user = make_user("root@platform.test")
    user.is_superuser = user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def test_admin_lists_every_tenants_rows_and_never_shows_secrets(
    superuser_client, tenant, other_tenant
):
    make_connector(tenant, name="Acme CRM")
    secret = {**SF_CREDENTIALS, "security_token": "sekrit-token-value"}
    theirs = make_connector(other_tenant, name="Globex CRM", credentials=secret)
    html = superuser_client.get("/admin/connectors/connectoraccount/").content.decode()
    assert "Acme CRM" in html and "Globex CRM" in html
    page = superuser_client.get(f"/admin/connectors/connectoraccount/{theirs.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Globex CRM" in html and "Globex" in html  # the row and its tenant
    assert "sekrit-token-value" not in html and "security_token" not in html
    assert superuser_client.get("/admin/connectors/connectoraccount/add/").status_code == 403


def test_every_admin_page_of_a_tenant_owned_model_opens(superuser_client, tenant, other_tenant):
    _call(tenant), _call(other_tenant)
    make_connector(tenant), make_connector(other_tenant)
    for model in TENANT_OWNED:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = superuser_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert superuser_client.get(url, {"tenant__id__exact": tenant.pk}).status_code == 200
        row = model._base_manager.first()
        if row is not None:
            change = superuser_client.get(f"{url}{row.pk}/change/")
            assert change.status_code == 200, (url, change.status_code)


def test_repr_of_an_unscoped_queryset_does_not_raise(tenant):
    assert repr(Call.objects.all()) == "<CallQuerySet of Call without a tenant>"
    assert repr(Call.objects.for_tenant(tenant)) == "<CallQuerySet []>"


def test_admin_deletes_a_row_with_its_cascade(superuser_client, tenant):
    account = make_connector(tenant, name="Old CRM")
    Contact.objects.create(tenant=tenant, connector=account, crm_id="003")
    url = f"/admin/connectors/connectoraccount/{account.pk}/delete/"
    page = superuser_client.get(url)
    assert page.status_code == 200 and "003" in page.content.decode()  # the cascade, listed
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not ConnectorAccount.objects.unscoped().exists()
    assert not Contact.objects.unscoped().exists()
