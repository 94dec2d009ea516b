"""API authentication: `Authorization: Bearer <api-key>` (hashed lookup), one tenant per key.

Views that set `allow_query_token = True` also accept `?access_token=<api-key>` (for systems
that cannot set headers, e.g. the Daktela events module).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from tenants.models import ApiKey, hash_key


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
        key = (
            ApiKey.objects.active().select_related("tenant").filter(key_hash=hash_key(raw)).first()
        )
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        key.touch()
        request._request.tenant = key.tenant
        return ApiPrincipal(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HasTenant(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the Bearer API key in /api/schema/ (securitySchemes.bearerAuth)."""

    target_class = ApiKeyAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A tenant API key."}
