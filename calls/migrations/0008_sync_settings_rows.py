"""Every existing connector gets its CallSyncSettings row (new ones get it on creation), so
deciding calls never inserts one under concurrency."""

from django.db import migrations


def create_rows(apps, schema_editor):
    ConnectorAccount = apps.get_model("connectors", "ConnectorAccount")
    CallSyncSettings = apps.get_model("calls", "CallSyncSettings")
    missing = ConnectorAccount.objects.filter(call_sync_settings__isnull=True)
    CallSyncSettings.objects.bulk_create(
        [
            CallSyncSettings(tenant_id=c.tenant_id, connector_id=c.pk)
            for c in missing.only("id", "tenant_id").iterator()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0007_console_scale"),
        ("connectors", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
