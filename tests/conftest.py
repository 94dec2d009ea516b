"""Fixtures shared by every test package (registered once here, saleor style)."""

import os
import shutil

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from portal import cache as ttl_cache
from portal import http, throttling
from portal.celery import app
from simulators.daktela import DaktelaSimulator
from simulators.salesforce import SalesforceSimulator
from tenants.models import ApiKey, Membership, Role, Tenant

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real row locks: skipped on the zero-setup SQLite default."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


TEST_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.FIELD_ENCRYPTION_KEYS = [TEST_KEYS[0]]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.HTTP_RETRIES = 2
    # A stalled CI machine must not turn a test's small exact count into an estimate.
    settings.CONSOLE_COUNT_BUDGET_MS = 5000
    settings.HTTP_MAX_INLINE_RETRY_AFTER = 1.0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # outbound: the suite's simulators listen on 127.0.0.1 (pytest-django forces DEBUG off);
    # tests/security/test_outbound*.py switch the address policy on.
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    app.conf.task_always_eager = True
    from django.core.cache import cache

    cache.clear()  # cached CRM metadata/queues must not leak from one test into another
    ttl_cache.clear_all()  # and the per-process TTL caches (portal.cache)
    # abuse: budget counters (login lock-outs are AccessAttempt rows, rolled back per test)
    throttling.clear_counters()
    yield
    app.conf.task_always_eager = False


def make_tenant(slug: str, **kwargs) -> Tenant:
    return Tenant.objects.create(slug=slug, name=kwargs.pop("name", slug.title()), **kwargs)


def make_user(
    email: str, tenant: Tenant | None = None, role: str = Role.ADMIN, password="pw-Secret-123"
):
    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    if tenant:
        Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def tenant(db):
    return make_tenant("acme", name="Acme", default_region="CZ", time_zone="Europe/Prague")


@pytest.fixture
def other_tenant(db):
    return make_tenant("globex", name="Globex", default_region="FI")


@pytest.fixture
def admin_user(tenant):
    return make_user("admin@acme.test", tenant, Role.ADMIN)


@pytest.fixture
def support_user(tenant):
    return make_user("support@acme.test", tenant, Role.SUPPORT)


@pytest.fixture
def viewer_user(tenant):
    return make_user("viewer@acme.test", tenant, Role.VIEWER)


@pytest.fixture
def member_client(client, admin_user):
    """A browser-like client logged in as an admin of `tenant`."""
    client.force_login(admin_user)
    return client


def api_client_for(tenant: Tenant) -> APIClient:
    _key, raw = ApiKey.issue(tenant, "test")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api.raw_key = raw
    return api


@pytest.fixture
def api(tenant):
    return api_client_for(tenant)


@pytest.fixture
def other_api(other_tenant):
    return api_client_for(other_tenant)


# --- simulators (real HTTP servers on port 0, simulators/) ------------------------------------


@pytest.fixture
def start_simulator():
    """`start_simulator(SalesforceSimulator, contacts=5)`: started now, stopped after the test."""
    running = []

    def start(cls, **options):
        sim = cls(**options).start()
        running.append(sim)
        return sim

    yield start
    http.default_session().close()  # drop keep-alive connections so the servers stop at once
    for sim in running:
        sim.stop()


def simulator_options(request) -> dict:
    """The options of `@pytest.mark.simulator(contacts=5)` (module `pytestmark` or test)."""
    marker = request.node.get_closest_marker("simulator")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def salesforce_sim(request, start_simulator):
    """A Salesforce simulator for one test; `@pytest.mark.simulator(...)` sets its options."""
    return start_simulator(SalesforceSimulator, **simulator_options(request))


@pytest.fixture
def daktela_sim(start_simulator):
    return start_simulator(DaktelaSimulator)


# --- browser (Playwright driving Debian's Chromium) -------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install -y chromium)")
        pytest.skip("Chromium not installed (apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page, email: str, password: str = "pw-Secret-123") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> None:
    """Keep a screenshot of a page under test-artifacts/ for people to look at."""
    os.makedirs("test-artifacts", exist_ok=True)
    page.screenshot(path=f"test-artifacts/{name}.png", full_page=True)
