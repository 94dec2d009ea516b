"""Salesforce error paths over real HTTP: login failures, expired sessions, limits, faults."""

import pytest
from django.core import mail

from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorStatus
from connectors.salesforce.connector import SalesforceConnector


def test_bad_password_is_an_auth_error_with_a_clear_message(sf):
    sf.account.credentials = {**sf.account.credentials, "password": "wrong"}
    with pytest.raises(AuthError) as exc:
        sf.authorize()
    assert exc.value.permanent
    assert str(exc.value) == "authentication failure: check user name, password + security token"


def test_failed_login_for_good_moves_to_needs_reauth_and_tells_admins(sf, admin_user):
    sf.account.credentials = {**sf.account.credentials, "security_token": "old"}
    sf.account.save()
    with pytest.raises(AuthError):
        sf.list_users()
    sf.account.refresh_from_db()
    assert sf.account.status == ConnectorStatus.NEEDS_REAUTH
    assert "security token" in sf.account.last_error
    assert mail.outbox and mail.outbox[0].to == [admin_user.email]


def test_wrong_client_id_and_secret(sf):
    sf.account.settings = {**sf.account.settings, "client_id": "nope"}
    with pytest.raises(AuthError, match="Consumer Key"):
        sf.fetch_token()
    sf.account.settings = {**sf.account.settings, "client_id": sf.settings["client_id"]}


def test_password_flow_blocked_points_to_the_web_flow(sf, sf_sim):
    sf_sim.password_flow_enabled = False
    with pytest.raises(AuthError, match="Authorize in Salesforce"):
        sf.authorize()


def test_expired_session_is_refreshed_once_and_the_call_retried(sf, sf_sim):
    sf.authorize()
    sf_sim.expire_tokens()
    users = sf.list_users()
    assert len(users) == 10
    assert sf_sim.token_grants == ["password", "password"]
    statuses = [path for _m, path in sf_sim.requests if "/query/" in path]
    assert len(statuses) == 2  # the 401 and the retry


def test_session_that_stays_invalid_fails_after_one_retry(sf, sf_sim):
    sf.authorize()
    sf_sim.fail_next(
        401,
        times=2,
        path="/query",
        body=[{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}],
    )
    with pytest.raises(AuthError):
        sf.list_users()
    assert sf_sim.token_grants == ["password", "password"]


def test_token_lifetime_expiry(sf, sf_sim):
    sf_sim.token_lifetime = 0.0  # every token is expired at once
    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        sf.list_users()
    sf_sim.token_lifetime = None
    assert sf.list_users()


def test_request_limit_exceeded_is_transient_with_backoff(sf, sf_sim):
    sf.authorize()
    sf_sim.api_limit = sf_sim.api_usage  # the next call passes the daily limit
    with pytest.raises(ConnectorError) as exc:
        sf.list_queues()
    assert not exc.value.permanent
    assert exc.value.code == "REQUEST_LIMIT_EXCEEDED" and exc.value.retry_after == 60


def test_limit_info_is_recorded_on_the_account(sf, sf_sim):
    sf.list_users()
    sf.account.refresh_from_db()
    usage = sf.account.state["api_usage"]
    assert (usage["used"], usage["limit"]) == (sf_sim.api_usage, sf_sim.api_limit)
    assert usage["at"]


def test_5xx_is_retried_by_the_seam_then_transient(sf, sf_sim):
    sf.authorize()
    sf_sim.fail_next(503, times=1, path="/query")
    assert len(sf.list_users()) == 10  # retried inline
    sf_sim.fail_next(503, times=5, path="/query")
    with pytest.raises(ConnectorError) as exc:
        sf.list_users()
    assert not exc.value.permanent and exc.value.status == 503
    sf_sim.fail_next(500, times=1, path="/query")
    with pytest.raises(ConnectorError) as exc:
        sf.list_users()
    assert not exc.value.permanent and exc.value.status == 500


def test_malformed_json_is_transient(sf, sf_sim):
    sf.authorize()
    sf_sim.fail_next(200, raw=b"<html>maintenance</html>", path="/query")
    with pytest.raises(ConnectorError, match="Malformed JSON") as exc:
        sf.list_users()
    assert not exc.value.permanent


def test_timeout_is_transient(sf, sf_sim, settings):
    sf.authorize()
    settings.HTTP_TIMEOUT_READ = 0.2
    settings.HTTP_RETRIES = 1
    sf_sim.fail_next(200, delay=0.6, times=2, path="/query")
    with pytest.raises(ConnectorError, match="timed out") as exc:
        sf.list_users()
    assert not exc.value.permanent


def test_unknown_field_is_permanent(sf):
    with pytest.raises(ConnectorError, match="No such column 'Shoe_Size__c'") as exc:
        list(sf.iter_contacts(fields=["Shoe_Size__c"]))
    assert exc.value.permanent and exc.value.code == "INVALID_FIELD"
    with pytest.raises(ConnectorError, match="not a Salesforce field name"):
        list(sf.iter_contacts(fields=["Id FROM User --"]))


def test_unknown_object_describe_is_permanent(sf):
    with pytest.raises(ConnectorError) as exc:
        sf.describe_fields("Spaceship")
    assert exc.value.permanent and exc.value.status == 404


def test_rejected_login_is_tried_once_and_admins_told_once(sf, sf_sim, admin_user):
    sf.account.credentials = {**sf.account.credentials, "password": "wrong"}
    sf.account.save()
    with pytest.raises(AuthError):
        sf.list_users()
    logins = [p for _m, p in sf_sim.requests if p == "/services/oauth2/token"]
    assert len(logins) == 1 and len(mail.outbox) == 1


def test_limit_info_is_written_once_per_interval_across_connector_objects(
    sf, sf_account, django_assert_max_num_queries
):
    """Routing and delivery build a new connector per request: the usage note is still
    written at most once per USAGE_SAVE_INTERVAL per account and process."""
    sf.list_users()  # written now
    fresh = SalesforceConnector(sf_account)
    with django_assert_max_num_queries(0):
        fresh._record_usage(7, 100)
    assert fresh.account.state["api_usage"]["used"] == 7  # kept in memory all the same
    sf_account.refresh_from_db()
    assert sf_account.state["api_usage"]["used"] != 7
