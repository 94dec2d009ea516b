from datetime import timedelta

from django.utils import timezone

from tenants.models import ApiKey, Invitation, Membership, Role
from tests.conftest import make_user


def _member(t, email=None):
    return Membership.objects.get(
        user=make_user(email or f"iso-member@{t.slug}.test", t, Role.VIEWER), tenant=t
    )


def _invitation(t):
    return Invitation.objects.create(
        tenant=t,
        email=f"iso-invited@{t.slug}.test",
        token_hash=f"iso-{t.slug}".ljust(64, "0"),
        expires_at=timezone.now() + timedelta(days=1),
    )


CASES = {
    "tenants:api_key_revoke": lambda t: {"pk": ApiKey.issue(t, "foreign key")[0].pk},
    "tenants:member_role": lambda t: {"pk": _member(t).pk},
    "tenants:member_remove": lambda t: {"pk": _member(t).pk},
    "tenants:invitation_revoke": lambda t: {"pk": _invitation(t).pk},
}

LIST_CASES = {
    "tenants:api_keys": lambda t: [ApiKey.issue(t, f"iso-{t.slug}-key")[0].name],
    "tenants:members": lambda t: [
        _member(t, f"iso-list-{t.slug}@example.test").user.email,
        _invitation(t).email,
    ],
}

NOT_LISTS = {
    "healthz": "monitoring: database and broker status, no tenant rows",
    "api-schema": "the OpenAPI schema: the same document for every tenant",
    "api-docs": "Swagger UI around the schema",
    "api-settings": "the API key's own tenant settings: one object, not a list",
    "tenants:switch": "POST: switches to another tenant the user is a member of",
    "tenants:settings": "the current tenant's settings form: one object",
    "tenants:member_invite": "POST only: creates an invitation in the current tenant",
}
