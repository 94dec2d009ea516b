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


def _named_connector(tenant) -> list:
    account = make_connector(tenant, name=f"iso-{tenant.slug}-crm")
    return [account, account.name]


LIST_CASES = {
    "connector-list": _named_connector,
    "connectors:index": lambda t: _named_connector(t)[1:],
    "connectors:audit_all": lambda t: _named_connector(t)[1:],  # its "created" entry
}

NOT_LISTS = {
    "connectors:add": "the form adding a connector of one kind (kind is a provider, not a row)",
    "connectors:oauth_callback": "the OAuth redirect target: the connector comes from the "
    "session's state, nothing is listed",
}
