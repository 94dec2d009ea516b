# The encrypted credentials carry their model label in the ciphertext (tenants/fields.py: a
# secret copied into another model's row must not decrypt). The model moved from contacts to
# platforms, so each stored token is re-encrypted for its new label (the table is unchanged).

from django.db import migrations

from tenants.fields import decrypt, encrypt

OLD = "contacts.contactcenteraccount"
NEW = "platforms.contactcenteraccount"


def _relabel(apps, old: str, new: str) -> None:
    model = apps.get_model("platforms", "ContactCenterAccount")
    rows = model._base_manager.exclude(credentials__isnull=True)
    for pk, tenant_id, token in rows.values_list("pk", "tenant_id", "credentials").iterator():
        value = decrypt(token, f"{tenant_id}:{old}:credentials")
        token = encrypt(value, f"{tenant_id}:{new}:credentials")
        model._base_manager.filter(pk=pk).update(credentials=token)


def forwards(apps, schema_editor):
    _relabel(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _relabel(apps, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('platforms', '0001_initial'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
