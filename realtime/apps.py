from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self):
        # Inside ready(): routing and the models load only after the app registry.
        from django.db.models.signals import post_delete, post_save

        from realtime import routing
        from realtime.models import RoutingRule

        def drop_cached_rules(sender, instance, **kwargs):
            routing.invalidate(instance.tenant_id)

        post_save.connect(drop_cached_rules, sender=RoutingRule, weak=False)
        post_delete.connect(drop_cached_rules, sender=RoutingRule, weak=False)
