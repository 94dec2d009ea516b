# ContactCenterAccount moved here from contacts (issue 12): state only, the table keeps its name.

import django.db.models.deletion
import tenants.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contacts', '0003_contactdeletion'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContactCenterAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('daktela', 'Daktela V6')], default='daktela', max_length=16)),
                        ('name', models.CharField(max_length=100)),
                        ('url', models.URLField(help_text='e.g. https://mycompany.daktela.com', max_length=300)),
                        ('credentials', tenants.fields.EncryptedJSONField(default=dict)),
                        ('enabled', models.BooleanField(default=True, help_text='Push contacts after each sync')),
                        ('last_push_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True, default='')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                    ],
                    options={
                        'db_table': 'contacts_contactcenteraccount',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'name'), name='uniq_cc_account_name')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
