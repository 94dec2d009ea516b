"""API authentication: `Authorization: Bearer <api-key>` (hashed lookup), one tenant per key.

Views that set `allow_query_token = True` also accept `?access_token=<api-key>` (for systems
that cannot set headers, e.g. the Daktela events module).
"""

from functools import cache

from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from portal import logcontext
from tenants import keycache
from tenants.models import ApiKey, Tenant, hash_key


class ApiPrincipal:
    """The `request.user` of an API request: the key, acting inside its tenant."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, key: ApiKey):
        self.key = key
        self.pk = None
        self.username = f"api-key:{key.prefix}"

    def __str__(self) -> str:
        return self.username


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        raw = None
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise exceptions.AuthenticationFailed(
                    "Use the header 'Authorization: Bearer <api-key>'."
                )
            raw = value.strip()
        elif getattr(request.parser_context.get("view"), "allow_query_token", False):
            raw = request.query_params.get("access_token")
        if not raw:
            return None
        key = find_active_key(hash_key(raw))
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if key.touch():  # the cached row gets the new last_used_at, under the same version
            keycache.store(key.key_hash, key._cache_version, _values(key))
        request._request.tenant = key.tenant
        logcontext.bind_tenant(key.tenant)
        return ApiPrincipal(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


@cache
def _key_query(vendor: str):
    """SQL + per-column converters for ApiKey.objects.active().select_related("tenant").

    Every API request runs this lookup; building it through the ORM cost ~1 ms of CPU per
    request (the query itself ~0.3 ms), a third of a routing request. Same rows, same
    conversions (Django's own converters), compiled once per database vendor.
    """
    quote = connection.ops.quote_name
    parts, models = [], ((ApiKey, "k"), (Tenant, "t"))
    converters = []
    for model, alias in models:
        for field in model._meta.concrete_fields:
            col = field.get_col(alias)
            parts.append(f"{alias}.{quote(field.column)}")
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
    # Names come from _meta; the key hash is a query parameter.
    sql = (
        f"SELECT {', '.join(parts)} FROM {quote(ApiKey._meta.db_table)} k "  # noqa: S608
        f"JOIN {quote(Tenant._meta.db_table)} t ON t.{quote('id')} = k.{quote('tenant_id')} "
        f"WHERE k.{quote('key_hash')} = %s AND k.{quote('revoked_at')} IS NULL "
        f"AND t.{quote('active')}"
    )
    return sql, converters


def find_active_key(key_hash: str) -> ApiKey | None:
    """The unrevoked key of an active tenant with this hash, its tenant loaded; else None.

    Through tenants/keycache.py: a few seconds in the shared cache, refused again as soon as a
    key or tenant changes."""
    version, values = keycache.lookup(key_hash)
    if values is None:
        values = _load(key_hash)
        if values is None:
            return None
        keycache.store(key_hash, version, values)
    n = len(ApiKey._meta.concrete_fields)
    key = ApiKey.from_db(connection.alias, None, values[:n])
    key.tenant = Tenant.from_db(connection.alias, None, values[n:])
    key._cache_version = version  # a later store (touch) never outlives a revoke
    return key


def _values(key: ApiKey) -> list:
    """The cached form of a key and its tenant (what _load returns)."""
    return [getattr(key, f.attname) for f in ApiKey._meta.concrete_fields] + [
        getattr(key.tenant, f.attname) for f in Tenant._meta.concrete_fields
    ]


def _load(key_hash: str) -> list | None:
    """The converted column values of the key and its tenant, from the database."""
    sql, converters = _key_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (col, convs) in zip(row, converters, strict=True):
        for convert in convs:
            value = convert(value, col, connection)
        values.append(value)
    return values


class HasTenant(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the Bearer API key in /api/schema/ (securitySchemes.bearerAuth)."""

    target_class = ApiKeyAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A tenant API key."}
