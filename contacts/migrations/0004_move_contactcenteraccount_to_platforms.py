# ContactCenterAccount moved to platforms (issue 12): state only, the table stays as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0003_contactdeletion'),
        ('platforms', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ContactCenterAccount')],
            database_operations=[],
        ),
    ]
