"""The one tenant-scoping mechanism, and it fails closed.

Every tenant-owned row derives from TenantScopedModel. Its default manager (`Model.objects`,
a TenantQuerySet) refuses to run a query that was never scoped: evaluating it (iteration,
`get`, `count`, `exists`, `aggregate`, `update`, `delete`, `values`, `iterator`, `first`...)
raises `UnscopedQueryError`, so a new view written as `Model.objects.all()` fails loudly
instead of showing every tenant's rows. A queryset is scoped when one of these holds:

* `.for_tenant(tenant)` (the normal way; `for_tenant(None)` is an empty queryset);
* a filter on the model's own tenant column with literal value(s), ANDed into the query:
  `filter(tenant=t)`, `filter(tenant_id=3)`, `filter(tenant__in=[a, b])` (also what Django's
  `validate_unique` / `validate_constraints` do for a `(tenant, name)` constraint). A filter
  inside an OR or an `exclude()`, or `tenant__in=<a queryset>`, does not count;
* it was reached from a row: related managers (`call.events.all()`, prefetches) carry
  Django's `instance` hint, and the row already belongs to one tenant;
* `.unscoped()`: the explicit, greppable "every tenant" for sweepers, beat tasks that scan
  all tenants, delivery workers keyed by a connector id, the admin and management commands.
  A filter on an id alone (`filter(pk=...)`) never scopes: that is the leak this prevents.

Writes that hold their rows need no scope: `objects.create(tenant=...)`, `bulk_create`,
`obj.save()` / `obj.delete()` and `bulk_update(rows)` (scoped to the rows' own tenants).
Django's internals (FK descriptors, cascade deletes, `refresh_from_db`, saving) use
`_base_manager`, which stays a plain `Manager` (no model sets `Meta.base_manager_name`;
tests/tenants/test_scoping.py checks it); so do migrations (historical models get plain
managers). Subqueries are not checked (the outer query is), nor is `raw()`; `dumpdata` needs
`--all` (the base manager). `tests/test_isolation.py` proves the result route by route.

Where each caller gets its scope:

* web views: `@tenant_view(role)` gives `request.tenant` / `request.membership`, then
  `get_for_tenant(Model, request.tenant, pk=...)` (a foreign id is a 404);
* the API: `TenantScopedViewSet` / `TenantAPIView` scope `get_queryset()` to the API key's
  tenant and stamp it on create; `TenantRelatedField` scopes ids inside request bodies;
* Celery tasks: take (tenant_id, row id) and re-read with `get_for_tenant` / `for_tenant`;
* the admin: `TenantScopedAdmin` (platform staff: `.unscoped()`, filterable by tenant).
"""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode
from django.http import Http404
from django.shortcuts import render
from rest_framework import generics, serializers, viewsets

from portal import bulkupdate
from tenants import unique_fields
from tenants.fields import EncryptedJSONField
from tenants.models import Tenant


class UnscopedQueryError(Exception):
    """A tenant-owned model was queried without a tenant (see the module docstring)."""


def _literal(value) -> bool:
    return not hasattr(value, "resolve_expression")  # a value, not F()/OuterRef()/a query


def _pins_tenant(node, field, alias) -> bool:
    """Does this part of a WHERE clause restrict `alias`'s tenant column to given value(s)?"""
    if isinstance(node, WhereNode):
        if node.negated:
            return False
        pinned = [_pins_tenant(child, field, alias) for child in node.children]
        return any(pinned) if node.connector == AND else bool(pinned) and all(pinned)
    if not isinstance(node, (Exact, In)):
        return False
    lhs = node.lhs
    if not isinstance(lhs, Col) or lhs.alias != alias or lhs.target != field:
        return False
    if isinstance(node, In):
        return isinstance(node.rhs, (list, tuple, set, frozenset)) and all(
            _literal(v) for v in node.rhs
        )
    return _literal(node.rhs)


class TenantQuerySet(models.QuerySet):
    _unscoped = False

    @classmethod
    def as_manager(cls):
        manager = TenantManager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager

    as_manager.queryset_only = True

    def __init__(self, model=None, query=None, using=None, hints=None):
        # Django shares one hints dict between a manager and its querysets; a prefetch adds
        # `instance` to it, which would mark every later query of the manager as scoped.
        super().__init__(model, query, using, dict(hints or {}))

    def _clone(self):
        clone = super()._clone()
        clone._unscoped = self._unscoped
        return clone

    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        return self.filter(tenant_id=getattr(tenant, "pk", tenant))

    def unscoped(self):
        """Every tenant's rows, on purpose (sweepers, workers, the admin, commands)."""
        clone = self._chain()
        clone._unscoped = True
        return clone

    @property
    def is_scoped(self) -> bool:
        if self._unscoped or self._hints.get("instance") is not None:
            return True
        query = self.query
        if query.is_empty():
            return True
        field = self.model._meta.get_field("tenant")
        # The first alias is the model's own table (not `query.base_table`: a cached property
        # that, read before the query has any alias, would stay None for good).
        return _pins_tenant(query.where, field, next(iter(query.alias_map), None))

    def _require_scope(self, operation: str):
        if not self.is_scoped:
            name = self.model.__name__
            raise UnscopedQueryError(
                f"{name}.objects queried without a tenant ({operation}): use "
                f".for_tenant(tenant), or {name}.objects.unscoped() for every tenant's rows"
            )

    def __repr__(self):  # debuggers, logs and pytest show querysets: never raise there
        if self._result_cache is None and not self.is_scoped:
            return f"<{type(self).__name__} of {self.model.__name__} without a tenant>"
        return super().__repr__()

    # Every way a QuerySet reaches the database goes through one of these.
    def _fetch_all(self):
        if self._result_cache is None:
            self._require_scope("fetch")
        super()._fetch_all()

    def iterator(self, chunk_size=None):
        self._require_scope("iterator")
        return super().iterator(chunk_size)

    def aiterator(self, chunk_size=2000):
        self._require_scope("aiterator")
        return super().aiterator(chunk_size)

    def count(self):
        if self._result_cache is None:
            self._require_scope("count")
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._require_scope("exists")
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope("aggregate")
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._require_scope("update")
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        self._require_scope("delete")
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def explain(self, *, format=None, **options):
        self._require_scope("explain")
        return super().explain(format=format, **options)

    def bulk_update(self, objs, fields, batch_size=None):
        """Rows in hand are their own scope (like `save()`): restricted to their tenants."""
        objs = tuple(objs)
        qs = self if self.is_scoped else self.filter(tenant_id__in={o.tenant_id for o in objs})
        if batch_size is None and bulkupdate.supported(qs, objs, fields):
            return bulkupdate.bulk_update(qs, objs, fields)  # one UPDATE ... FROM unnest(...)
        return super(TenantQuerySet, qs).bulk_update(objs, fields, batch_size)

    bulk_update.alters_data = True


class TenantManager(models.Manager):
    """The default manager of tenant-owned models (built by `TenantQuerySet.as_manager()`)."""


class TenantScopedModel(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def get_for_tenant(model_or_qs, tenant, **lookup):
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.for_tenant(tenant).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(f"No {qs.model._meta.verbose_name} matches the given query.")


# --- web views -------------------------------------------------------------------------------


def tenant_view(role: str = "viewer"):
    """Require a logged-in member of the current tenant with at least `role`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return render(request, "tenants/no_tenant.html", status=403)
            if not request.membership.has_role(role):
                return render(
                    request, "tenants/forbidden.html", {"required_role": role}, status=403
                )
            return view(request, *args, **kwargs)

        wrapper.tenant_role = role
        return wrapper

    return decorator


# --- API ---------------------------------------------------------------------------------------


class TenantAPIMixin:
    """`self.tenant` is the API key's tenant (set by tenants.auth.ApiKeyAuthentication)."""

    @property
    def tenant(self):
        return getattr(self.request, "tenant", None)

    def get_queryset(self):
        return super().get_queryset().for_tenant(self.tenant)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tenant": self.tenant}

    def perform_create(self, serializer):
        # A unique name taken by a concurrent request: 400 naming the field, not a 500.
        with unique_fields.as_api_error(self.get_queryset().model):
            serializer.save(tenant=self.tenant)

    def perform_update(self, serializer):
        with unique_fields.as_api_error(self.get_queryset().model):
            serializer.save()

    def get_object(self):
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None and not str(lookup).isdigit() and self.lookup_field == "pk":
            raise Http404
        return super().get_object()


class TenantScopedViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


class TenantScopedReadOnlyViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantAPIView(TenantAPIMixin, generics.GenericAPIView):
    pass


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key inside a request body, resolved within the request's tenant only."""

    def get_queryset(self):
        return super().get_queryset().for_tenant(self.context.get("tenant"))


# --- admin ---------------------------------------------------------------------------------------


class TenantScopedAdmin(admin.ModelAdmin):
    """The admin of a tenant-owned model: platform staff see every tenant's rows.

    The one place outside sweepers that reads across tenants, so it says so: `get_queryset`
    is `.unscoped()`, filterable by tenant (shown first). Rows are view-only here (tenant
    admins edit them in the portal, whose forms scope every choice to their tenant; an admin
    form would offer other tenants' connectors) and may be deleted. Secrets (encrypted
    fields) are never shown. Every tenant-owned model is registered through this class
    (tests/tenants/test_scoping.py checks it).
    """

    list_filter = ("tenant",)

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()

    def get_list_display(self, request):
        return ("tenant", *super().get_list_display(request))

    def get_exclude(self, request, obj=None):
        secrets = [f.name for f in self.model._meta.fields if isinstance(f, EncryptedJSONField)]
        return (*(super().get_exclude(request, obj) or ()), *secrets)

    def get_readonly_fields(self, request, obj=None):
        return ("tenant", *super().get_readonly_fields(request, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if "queryset" not in kwargs and issubclass(related, TenantScopedModel):
            kwargs["queryset"] = related._default_manager.unscoped()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
