"""CSP on every page (script nonce, no inline handlers), HSTS, the widget's frame-ancestors."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from realtime.widget import sign_token
from tests.conftest import make_tenant
from tests.realtime.helpers import make_widget_token

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/",
    "/integrations/",
    "/calls/",
    "/calls/dashboard/",
    "/calls/settings/",
    "/contacts/",
    "/contacts/sync/",
    "/contacts/field-mappings/",
    "/contacts/user-mappings/",
    "/contacts/contact-center/",
    "/automations/",
    "/realtime/",
    "/realtime/screen-pop/",
    "/realtime/widget/",
    "/settings/",
    "/api-keys/",
    "/api/docs/",
    "/accounts/password_change/",
]


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


class ScriptAudit(HTMLParser):
    """Collects inline <script>s and their nonces, and every on*= / hx-on attribute."""

    def __init__(self):
        super().__init__()
        self.inline_nonces, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs:
            self.inline_nonces.append(attrs.get("nonce"))
        for name in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}>")


def assert_strict_scripts(response, nonce=True):
    """Scripts only from this origin or with this response's nonce; no inline handlers.

    django-csp adds the nonce when the page uses it: every base.html page does (its script
    tags carry it); the widget has no script at all.
    """
    policy = directives(response)
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "*" not in script_src and "'self'" in script_src
    nonces = [v for v in script_src if v.startswith("'nonce-")]
    assert len(nonces) == (1 if nonce else 0)
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    audit = ScriptAudit()
    audit.feed(response.content.decode())
    assert audit.handlers == [], audit.handlers
    for value in audit.inline_nonces:  # every inline script carries this response's nonce
        assert nonces and f"'nonce-{value}'" == nonces[0]
    return nonces[0] if nonce else None


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_script_policy(member_client, path):
    response = member_client.get(path)
    assert response.status_code == 200, path
    assert_strict_scripts(response)
    assert directives(response)["frame-ancestors"] == ["'none'"]


def test_public_and_error_pages_too(client, db):
    for path in ["/accounts/login/", "/accounts/password_reset/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert_strict_scripts(response)
    response = client.get("/admin/login/")  # Django's admin: external scripts only, no nonce
    assert response.status_code == 200
    assert_strict_scripts(response, nonce=False)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Content-Security-Policy" in response


def test_nonce_changes_per_response(member_client):
    first = assert_strict_scripts(member_client.get("/api/docs/"))
    second = assert_strict_scripts(member_client.get("/api/docs/"))
    assert first != second


def test_swagger_inline_code_carries_the_nonce(member_client):
    response = member_client.get("/api/docs/")
    nonce = assert_strict_scripts(response)[len("'nonce-") : -1]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html and f'<style nonce="{nonce}">' in html
    assert f"'nonce-{nonce}'" in directives(response)["style-src-elem"]


def test_htmx_injects_no_style_and_evaluates_nothing(member_client):
    html = member_client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config


def test_widget_keeps_its_tenants_frame_ancestors_in_the_one_policy(client, db):
    acme = make_tenant("acme", frame_ancestors=["https://acme.daktela.com"])
    globex = make_tenant("globex", frame_ancestors=["https://globex.example.com"])
    for tenant, origin in [
        (acme, "https://acme.daktela.com"),
        (globex, "https://globex.example.com"),
    ]:
        response = client.get(
            "/widget/activity/",
            {"clid": "+420773794804", "token": sign_token(make_widget_token(tenant))},
        )
        assert response.status_code == 200
        assert directives(response)["frame-ancestors"] == ["'self'", origin]
        assert "X-Frame-Options" not in response
        assert_strict_scripts(response, nonce=False)
    # A refused token still gets the policy (and only this portal may frame the error page).
    response = client.get("/widget/activity/", {"token": "garbage"})
    assert response.status_code == 403
    assert directives(response)["frame-ancestors"] == ["'self'"]


def test_hsts_is_sent_on_https_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")  # plain http
    settings.SECURE_HSTS_SECONDS = 0  # SecurityMiddleware reads it once: a new client
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/", secure=True)


def _settings_in(env: dict) -> str:
    code = (
        "import portal.settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_HSTS")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=base | {"SECRET_KEY": "x" * 40, "FIELD_ENCRYPTION_KEYS": "a" * 43 + "=", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_hsts_defaults_follow_debug_and_the_environment():
    assert _settings_in({"DEBUG": "false"}) == "31536000 False False"
    assert _settings_in({"DEBUG": "true"}) == "0 False False"
    assert (
        _settings_in(
            {
                "DEBUG": "false",
                "SECURE_HSTS_SECONDS": "600",
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
                "SECURE_HSTS_PRELOAD": "true",
            }
        )
        == "600 True True"
    )


def test_api_responses_carry_a_fixed_strict_policy(api):
    """JSON is never a document with scripts: one static policy, no per-request nonce."""
    first = api.get("/api/v1/connectors/")
    second = api.get("/api/v1/connectors/")
    assert first.status_code == 200
    policy = first["Content-Security-Policy"]
    assert policy == second["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "nonce-" not in policy
