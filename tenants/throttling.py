"""The API's request budgets: per API key and, for endpoints open without a key, per client IP.

Counting is portal/throttling.py's fixed window on the shared cache; this module only says what
is counted, since what an API key is belongs to tenants.
"""

from portal.throttling import WindowThrottle, client_ip
from tenants.models import ApiKey


class ApiKeyRateThrottle(WindowThrottle):
    """API_THROTTLE_RATE per API key (tenants/auth.py ApiKeyAuthentication), not per IP."""

    scope = "api_key"
    setting = "API_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"{self.scope}:{request.auth.pk}"
        return None


class AnonIpRateThrottle(WindowThrottle):
    """API_ANON_THROTTLE_RATE per client IP for endpoints open without a key (schema, docs,
    retailCRM module callbacks). Requests with a missing or wrong key never get this far: the
    authentication or permission check answers 401 first."""

    scope = "anon_ip"
    setting = "API_ANON_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return None
        return f"{self.scope}:{client_ip(request)}"
