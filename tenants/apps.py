from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self) -> None:
        # The lowest app registers the portal's own system checks (portal is not an app).
        from portal import checks  # noqa: F401
