# The outbox rows moved to the delivery app. Only the migration state changes: the table
# calls_syncrecord stays where it is and delivery.SyncRecord uses it (db_table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0002_syncrecord_late_updates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SyncRecord")],
            database_operations=[],
        ),
    ]
