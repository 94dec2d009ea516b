from django.core.management.base import BaseCommand
from django.db import transaction

from tenants.fields import DecryptionError, encrypted_fields, fernet


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the newest key in FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, **options):
        f = fernet()
        total = 0
        for model, field in encrypted_fields():
            count = 0
            rows = model._base_manager.exclude(**{f"{field.attname}__isnull": True})
            for pk, token in rows.values_list("pk", field.attname).iterator():
                try:
                    new = f.rotate(token.encode()).decode()
                except Exception as exc:
                    raise DecryptionError(
                        f"{model._meta.label} #{pk}.{field.name} cannot be decrypted with any key"
                    ) from exc
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**{field.attname: new})
                count += 1
            self.stdout.write(f"{model._meta.label}.{field.name}: {count} re-encrypted")
            total += count
        self.stdout.write(f"Done: {total} secrets now use the newest key.")
