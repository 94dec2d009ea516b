from tests.factories import make_connector

CASES = {
    "connector-detail": lambda t: {"pk": make_connector(t).pk},
}
