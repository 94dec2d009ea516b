"""Two workers that find the same stale token refresh it once (the base class' row lock)."""

import threading
import time
from dataclasses import asdict

import pytest
from django.db import connection

from connectors.models import ConnectorAccount
from connectors.salesforce.connector import SalesforceConnector
from connectors.types import Token
from tests.conftest import make_tenant
from tests.factories import make_connector


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_are_serialised(sf_sim):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings, credentials = sf_sim.account_settings()
    account = make_connector(make_tenant("conc"), "salesforce", "SF", settings, credentials)
    stale = Token(access_token="stale", expires_at=time.time() - 5, instance_url=sf_sim.url)
    account.token = asdict(stale)
    account.save(update_fields=["token"])
    sf_sim.token_delay = 0.5  # a slow login: both workers are waiting at the same time
    results, errors = [], []

    def worker():
        try:
            row = ConnectorAccount.objects.unscoped().get(pk=account.pk)
            results.append(SalesforceConnector(row).get_token().access_token)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors
    assert sf_sim.token_grants == ["password"]
    assert len(results) == 2 and results[0] == results[1] != "stale"
    account.refresh_from_db()
    assert account.token["access_token"] == results[0]
