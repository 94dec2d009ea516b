"""Tenant isolation harness.

Enumerates every API route (under /api/v1/) and every page route from the URL resolver. Each
route that takes an object id must have a case in some `tests/<app>/isolation.py`:

    CASES = {"<url name>": lambda tenant: {"pk": make_thing(tenant).pk}}

The case builds an object in *another* tenant; the harness proves our tenant's key (API) or a
logged-in member (pages) gets 404 for every method, and that lists never show foreign rows.
A new route without a case fails `test_every_route_has_a_case`.
"""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests

OBJECT_KWARGS = {"pk", "id", "connector_id", "call_id", "job_id"}
NOT_OBJECT_ROUTES = set()  # routes whose kwargs are not object ids (none yet)


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name, prefix + str(p.pattern), p


def object_routes():
    routes = {}
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/")):
            continue  # Django's own (admin is platform staff only; auth has no tenant objects)
        kwargs = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
        if kwargs & OBJECT_KWARGS and name not in NOT_OBJECT_ROUTES:
            routes[name] = route
    return routes


def all_cases():
    cases = {}
    for mod in pkgutil.iter_modules(tests.__path__):
        if not mod.ispkg:
            continue  # only packages have an isolation.py (importing test modules has effects)
        try:
            module = importlib.import_module(f"tests.{mod.name}.isolation")
        except ModuleNotFoundError:
            continue
        cases.update(module.CASES)
    return cases


def test_every_route_has_a_case():
    missing = sorted(set(object_routes()) - set(all_cases()))
    assert not missing, f"Routes without a tenant-isolation case: {missing}"


@pytest.mark.parametrize("name", sorted(object_routes()))
def test_foreign_id_is_404(name, api, tenant, other_tenant, admin_user, client):
    case = all_cases().get(name)
    if case is None:
        pytest.fail(f"no isolation case for {name}")
    kwargs = case(other_tenant)
    url = reverse(name, kwargs=kwargs)
    if url.startswith("/api/"):
        for method in ("get", "patch", "put", "delete", "post"):
            response = getattr(api, method)(url, {}, format="json")
            assert response.status_code in (404, 405), (method, url, response.status_code)
            if response.status_code == 404:
                assert response.json()["error"]["code"] == "not_found"
        assert api.get(url).status_code == 404 or api.get(url).status_code == 405
    else:
        client.force_login(admin_user)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (method, url, response.status_code)
        assert client.get(url).status_code in (404, 405)
