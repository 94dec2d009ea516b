"""The contacts name search on PostgreSQL, split the way contacts.search reads it:

- contact_last_prefix, a B-tree on (tenant, UPPER(last_name) COLLATE "C", last_name, first_name,
  id): a word at the start of the last name is one range of it (byte order: in any database
  collation), each spelling a run in list order; a count or a sort of the range, also by type
  or connector (included), reads no table rows;
- contact_search_rest_trgm, a GIN trigram index on the rest (first name, last name from its
  second letter, email, account: contacts.models.rest_text). contact_search_trgm on the whole
  text (0008) stays: a search of two or three words is read by it (one index scan for all
  the words).

Nothing on SQLite, nothing in the migration state (as 0008): the indexes are PostgreSQL's own.
"""

from django.db import migrations

PREFIX = "contact_last_prefix"
REST = "contact_search_rest_trgm"
REST_TEXT = """("first_name" || ' ' || SUBSTRING(UPPER("last_name"), 2) || ' ' || "email" || ' ' || "account")"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {PREFIX} ON contacts_contact "
        f'("tenant_id", (UPPER("last_name") COLLATE "C"), "last_name", "first_name", "id") '
        f'INCLUDE ("type", "connector_id")'
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {REST} ON contacts_contact "
        f"USING gin ((UPPER({REST_TEXT}::text)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {REST}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {PREFIX}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0011_drop_contact_tenant_email_index")]

    operations = [migrations.RunPython(forwards, backwards)]
