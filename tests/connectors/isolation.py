from tests.factories import make_connector


def _connector(tenant) -> dict:
    return {"pk": make_connector(tenant).pk}


CASES = {
    "connector-detail": _connector,
    "connector-authorize": _connector,
    "connector-test": _connector,
    "connectors:configure": _connector,
    "connectors:delete": _connector,
    "connectors:audit": _connector,
    "connectors:authorize": _connector,
    "connectors:test": _connector,
    "connectors:disconnect": _connector,
    "connectors:enable": _connector,
    "connectors:disable": _connector,
    "connectors:oauth_start": _connector,
}
