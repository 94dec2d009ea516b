"""docs/api.md is written from the OpenAPI schema (issue 17, item 10): its endpoint reference
is what `manage.py write_api_docs` makes of the current schema, and the docs link to it."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tenants.management.commands import write_api_docs as command

DOCS = Path(settings.BASE_DIR) / "docs"


def test_docs_api_md_is_up_to_date_with_the_schema(db):
    call_command("write_api_docs", check=True)  # CommandError when it is stale


def test_every_schema_path_is_documented(db):
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for path in command.current_schema()["paths"]:
        assert f"### `{path}`" in text, path
    assert "## Conventions" in text and "## Call events" in text  # the contract part


def test_a_stale_file_fails_the_check(db, tmp_path, monkeypatch):
    stale = tmp_path / "api.md"
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    stale.write_text(text.replace("### `/api/v1/call-events/`", "### `/api/v1/gone/`"))
    monkeypatch.setattr(command, "doc_path", lambda: stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("write_api_docs", check=True)
    call_command("write_api_docs")  # rewriting fixes it
    call_command("write_api_docs", check=True)


def test_docs_link_the_contract_in_the_repository():
    for doc in DOCS.rglob("*.md"):
        assert "shared/API.md" not in doc.read_text(encoding="utf-8"), doc
