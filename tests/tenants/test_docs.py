"""The README's configuration table lists every setting read from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_documents_every_environment_variable():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    names = set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    names |= set(re.findall(r"Env\(\)\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"} <= names  # the regex still works
    readme = (ROOT / "README.md").read_text()
    table_rows = {m for m in re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.MULTILINE)}
    missing = sorted(names - table_rows)
    assert not missing, f"add these to the configuration table of README.md: {missing}"
