from tenants.models import ApiKey

CASES = {
    "tenants:api_key_revoke": lambda t: {"pk": ApiKey.issue(t, "foreign key")[0].pk},
}
