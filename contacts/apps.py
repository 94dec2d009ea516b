from django.apps import AppConfig
from django.db.models.signals import post_delete


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        # Imported here, not at module level: models cannot be imported before the app
        # registry is ready (the runners and the agent source import models).
        from connectors import agents
        from contacts.matching import agent_links
        from contacts.push import ContactPush, drop_orphan_deletions
        from contacts.sync import ContactSync
        from jobs.runner import register
        from platforms.models import ContactCenterAccount

        register(ContactSync)
        register(ContactPush)
        agents.register_source(agent_links)  # connectors (a lower layer) ask through this seam
        post_delete.connect(
            drop_orphan_deletions,
            sender=ContactCenterAccount,
            dispatch_uid="contacts.drop_orphan_deletions",
        )
