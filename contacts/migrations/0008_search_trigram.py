"""The contacts search box on PostgreSQL: pg_trgm and a GIN trigram index on the searched
text, upper-cased and cast as `icontains` compares it (contacts.models.SearchText). Nothing on
SQLite, nothing in the migration state: the index is PostgreSQL's own, not in Contact.Meta."""

from django.db import migrations

INDEX = "contact_search_trgm"
TEXT = """("first_name" || ' ' || "last_name" || ' ' || "email" || ' ' || "account")"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_contact "
        f"USING gin ((UPPER({TEXT}::text)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_console_scale")]

    operations = [migrations.RunPython(forwards, backwards)]
