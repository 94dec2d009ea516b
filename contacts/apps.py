from django.apps import AppConfig
from django.db.models.signals import post_delete


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        # Imported here, not at module level: models cannot be imported before the app
        # registry is ready (the runners import models).
        from contacts.push import ContactPush, drop_orphan_deletions
        from contacts.sync import ContactSync
        from jobs.runner import register
        from platforms.models import ContactCenterAccount

        register(ContactSync)
        register(ContactPush)
        post_delete.connect(
            drop_orphan_deletions,
            sender=ContactCenterAccount,
            dispatch_uid="contacts.drop_orphan_deletions",
        )
