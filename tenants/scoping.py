"""The one tenant-scoping mechanism.

Every tenant-owned row derives from TenantScopedModel and is only ever read through
`Model.objects.for_tenant(tenant)`:

* web views: `@tenant_view(role)` gives `request.tenant` / `request.membership`, then
  `get_for_tenant(Model, request.tenant, pk=...)` (a foreign id is a 404);
* the API: `TenantScopedViewSet` / `TenantAPIView` scope `get_queryset()` to the API key's
  tenant and stamp it on create; `TenantRelatedField` scopes ids inside request bodies;
* Celery tasks: take (tenant_id, row id) and re-read with `get_for_tenant`;
* the admin: `TenantScopedAdmin`.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.shortcuts import render
from rest_framework import generics, serializers, viewsets

from tenants import unique_fields
from tenants.models import Tenant


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        return self.filter(tenant_id=getattr(tenant, "pk", tenant))


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
    """Platform staff see every tenant's rows, filterable by tenant; the tenant is never editable."""

    list_filter = ("tenant",)

    def get_list_display(self, request):
        return ("tenant", *super().get_list_display(request))
