from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self) -> None:
        # The lowest app registers the portal's own system checks (portal is not an app), and
        # the API-key cache's invalidation (models load only once apps are ready).
        from django.db.models.signals import post_delete, post_save

        from portal import checks  # noqa: F401
        from tenants import keycache
        from tenants.models import ApiKey, Tenant

        for model in (ApiKey, Tenant):
            post_save.connect(keycache.on_change, sender=model, dispatch_uid=f"keycache-{model}")
            post_delete.connect(keycache.on_change, sender=model, dispatch_uid=f"keycache-d{model}")
