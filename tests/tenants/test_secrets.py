import pytest
from django.core.management import call_command
from django.db import connection

from connectors.models import ConnectorAccount
from tenants.fields import DecryptionError
from tests.conftest import TEST_KEYS
from tests.factories import SF_CREDENTIALS, make_connector


def raw_column(account, column="credentials"):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM connectors_connectoraccount WHERE id = %s", [account.pk]
        )
        return cursor.fetchone()[0]


def test_round_trip_and_ciphertext_at_rest(tenant):
    # Long, distinctive values: a short one ("pw") can occur in random base64 by chance.
    secrets = {
        "password": "correct-horse-battery-staple",
        "security_token": "token-0123456789abcdef",
        "client_secret": "client-secret-fedcba9876543210",
    }
    account = make_connector(tenant, credentials=secrets)
    stored = raw_column(account)
    assert stored.startswith("gAAAAA")  # a Fernet token
    for name, value in secrets.items():
        assert value not in stored and name not in stored
    assert ConnectorAccount.objects.unscoped().get(pk=account.pk).credentials == secrets
    assert ConnectorAccount.objects.unscoped().get(
        pk=make_connector(tenant, name="b").pk
    ).credentials == (SF_CREDENTIALS)


def test_wrong_key_raises_never_returns_ciphertext(tenant, settings):
    account = make_connector(tenant)
    settings.FIELD_ENCRYPTION_KEYS = [TEST_KEYS[1]]
    fresh = ConnectorAccount.objects.unscoped().get(pk=account.pk)
    with pytest.raises(DecryptionError):
        _ = fresh.credentials


def test_ciphertext_copied_to_another_tenant_row_raises(tenant, other_tenant):
    mine = make_connector(tenant)
    theirs = make_connector(
        other_tenant, credentials={"password": "x", "security_token": "y", "client_secret": "z"}
    )
    ConnectorAccount.objects.unscoped().filter(pk=theirs.pk).update(credentials=raw_column(mine))
    with pytest.raises(DecryptionError):
        _ = ConnectorAccount.objects.unscoped().get(pk=theirs.pk).credentials


def test_ciphertext_copied_to_another_field_raises(tenant):
    account = make_connector(tenant)
    ConnectorAccount.objects.unscoped().filter(pk=account.pk).update(token=raw_column(account))
    with pytest.raises(DecryptionError):
        _ = ConnectorAccount.objects.unscoped().get(pk=account.pk).token


def test_rotation_reencrypts_with_newest_key(tenant, settings):
    account = make_connector(tenant)
    before = raw_column(account)
    settings.FIELD_ENCRYPTION_KEYS = [TEST_KEYS[1], TEST_KEYS[0]]
    call_command("rotate_encryption_keys")
    after = raw_column(account)
    assert after != before
    settings.FIELD_ENCRYPTION_KEYS = [TEST_KEYS[1]]  # old key dropped: still readable
    assert ConnectorAccount.objects.unscoped().get(pk=account.pk).credentials == SF_CREDENTIALS


def test_unread_secret_survives_save_of_other_fields(tenant):
    account = make_connector(tenant)
    fresh = ConnectorAccount.objects.unscoped().get(pk=account.pk)
    fresh.name = "renamed"
    fresh.save()
    assert ConnectorAccount.objects.unscoped().get(pk=account.pk).credentials == SF_CREDENTIALS
