from tenants.models import ApiKey

CASES = {
    "tenants:api_key_revoke": lambda t: {"pk": ApiKey.issue(t, "foreign key")[0].pk},
}

LIST_CASES = {
    "tenants:api_keys": lambda t: [ApiKey.issue(t, f"iso-{t.slug}-key")[0].name],
}

NOT_LISTS = {
    "healthz": "monitoring: database and broker status, no tenant rows",
    "api-schema": "the OpenAPI schema: the same document for every tenant",
    "api-docs": "Swagger UI around the schema",
    "api-settings": "the API key's own tenant settings: one object, not a list",
    "tenants:switch": "POST: switches to another tenant the user is a member of",
    "tenants:settings": "the current tenant's settings form: one object",
}
