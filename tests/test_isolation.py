"""Tenant isolation harness: every route, object routes and lists alike.

Enumerates every API route (under /api/v1/) and every page route from the URL resolver
(Django's admin and auth pages aside) and sorts them in two:

* **Object routes** (a kwarg that is an object id: pk, connector_id, ...) need a case in some
  `tests/<app>/isolation.py`:

      CASES = {"<url name>": lambda tenant: {"pk": make_thing(tenant).pk}}

  The case builds an object in *another* tenant; our tenant's API key (API) or a logged-in
  member (pages) gets 404 for every method.

* **Every other route** is a list until said otherwise. It needs either a list case

      LIST_CASES = {"<url name>": lambda tenant: [row, "a name only this tenant's row has"]}

  (or `{"markers": [...], "params": {...}}` when the list needs query parameters), or an entry
  in `NOT_LISTS = {"<url name>": "why it lists no rows"}`. The harness builds the rows in both
  tenants, requests the route as our tenant, and proves that all of our markers appear and none
  of theirs: a row is looked for by id among the API results, a string in the response body.

A new route without a case fails `test_every_object_route_has_a_case` or
`test_every_other_route_is_a_list_case_or_says_why_not`.
"""

import importlib
import pkgutil

import pytest
from django.db import models
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


def _routes():
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/")):
            continue  # Django's own (admin is platform staff only; auth has no tenant objects)
        kwargs = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
        yield name, route, kwargs


def object_routes():
    return {
        name: route
        for name, route, kwargs in _routes()
        if kwargs & OBJECT_KWARGS and name not in NOT_OBJECT_ROUTES
    }


def other_routes():
    """Every route that is not an object route: a list, unless NOT_LISTS says why not."""
    objects = object_routes()
    return {name: route for name, route, _kwargs in _routes() if name not in objects}


def _isolation_modules():
    for mod in pkgutil.iter_modules(tests.__path__):
        if not mod.ispkg:
            continue  # only packages have an isolation.py (importing test modules has effects)
        try:
            yield importlib.import_module(f"tests.{mod.name}.isolation")
        except ModuleNotFoundError:
            continue


def _collect(attribute: str) -> dict:
    found = {}
    for module in _isolation_modules():
        for name, value in getattr(module, attribute, {}).items():
            assert name not in found, f"{name} has two {attribute} entries"
            found[name] = value
    return found


def all_cases():
    return _collect("CASES")


def list_cases():
    return _collect("LIST_CASES")


def not_lists():
    return _collect("NOT_LISTS")


# --- the registry is complete and honest ------------------------------------------------------


def test_every_object_route_has_a_case():
    missing = sorted(set(object_routes()) - set(all_cases()))
    assert not missing, f"Routes without a tenant-isolation case: {missing}"


def test_every_other_route_is_a_list_case_or_says_why_not():
    routes, lists, exempt = set(other_routes()), set(list_cases()), not_lists()
    missing = sorted(routes - lists - set(exempt))
    assert not missing, (
        f"Routes without an isolation list case (or a NOT_LISTS reason): {missing}. "
        "Add LIST_CASES (rows in both tenants; ours shown, theirs not) in tests/<app>/isolation.py."
    )
    assert not sorted(lists & set(exempt)), "a route is both a list case and not a list"
    assert all(isinstance(why, str) and len(why) > 10 for why in exempt.values()), (
        "every NOT_LISTS entry says why the route lists no rows"
    )


def test_cases_name_existing_routes():
    stale = sorted(
        (set(all_cases()) - set(object_routes()))
        | (set(list_cases()) - set(other_routes()))
        | (set(not_lists()) - set(other_routes()))
    )
    assert not stale, f"isolation cases for routes that do not exist (or changed kind): {stale}"


# --- object routes: a foreign id is a 404 -----------------------------------------------------


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


# --- lists: our rows, never theirs ------------------------------------------------------------


def _built(case, tenant) -> tuple[list, dict]:
    made = case(tenant)
    if isinstance(made, dict):
        return list(made["markers"]), dict(made.get("params") or {})
    return list(made), {}


def _result_ids(body) -> set:
    rows = body.get("results", body) if isinstance(body, dict) else body
    if isinstance(rows, dict):
        rows = [rows]
    return {row.get("id") for row in rows if isinstance(row, dict)}


@pytest.mark.parametrize("name", sorted(list_cases()))
def test_list_shows_our_rows_and_no_foreign_rows(
    name, api, tenant, other_tenant, admin_user, client
):
    case = list_cases()[name]
    ours, params = _built(case, tenant)
    theirs, _ = _built(case, other_tenant)
    assert ours and len(ours) == len(theirs), f"{name}: the case builds no markers"
    url = reverse(name)
    is_api = url.startswith("/api/")
    if is_api:
        response = api.get(url, params)
    else:
        client.force_login(admin_user)
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    ids = _result_ids(response.json()) if is_api else set()
    for mine, foreign in zip(ours, theirs, strict=True):
        if isinstance(mine, models.Model):
            assert is_api, f"{name}: a page case gives strings (what the page shows)"
            assert mine.pk in ids, f"{name}: our {mine!r} is missing from {url}"
            assert foreign.pk not in ids, f"{name}: {url} lists the other tenant's {foreign!r}"
        else:
            assert mine in body, f"{name}: our {mine!r} is missing from {url}"
            assert foreign not in body, f"{name}: {url} shows the other tenant's {foreign!r}"
