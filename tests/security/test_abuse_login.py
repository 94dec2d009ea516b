"""Login lock-out (django-axes): per user name + client IP, LOGIN_FAILURE_LIMIT failures."""

import pytest

from tests.conftest import make_user

PASSWORD = "pw-Secret-123"


def attempt(client, username, password, ip="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def alice(tenant):
    return make_user("alice@acme.test", tenant)


@pytest.fixture
def bob(tenant):
    return make_user("bob@acme.test", tenant)


def test_five_failures_lock_the_pair_and_the_page_says_so(client, alice):
    for _ in range(4):
        response = attempt(client, alice.username, "wrong")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    response = attempt(client, alice.username, "wrong")  # the 5th failure locks
    assert response.status_code == 429
    html = response.content.decode()
    assert "Log-in locked" in html and "15 minutes" in html and "Try again after" in html
    assert 'class="app' not in html and "portal.css" in html  # the portal's page, not axes' text
    assert int(response["Retry-After"]) == 15 * 60

    # The right password is refused while locked, and no session is created.
    response = attempt(client, alice.username, PASSWORD)
    assert response.status_code == 429 and "Log-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_is_per_user_name_and_ip(client, alice, bob):
    for _ in range(5):
        attempt(client, alice.username, "wrong")
    assert attempt(client, alice.username, PASSWORD).status_code == 429
    # Another user name from the same IP logs in.
    response = attempt(client, bob.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    client.logout()
    # The same user name from another IP logs in too (an attacker cannot lock the owner out).
    response = attempt(client, alice.username, PASSWORD, ip="198.51.100.20")
    assert response.status_code == 302


def test_limit_and_cool_off_come_from_settings(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    attempt(client, alice.username, "wrong")
    response = attempt(client, alice.username, "wrong")
    assert response.status_code == 429 and "After 2 wrong passwords" in response.content.decode()


def test_success_resets_the_count(client, alice):
    for _ in range(4):
        attempt(client, alice.username, "wrong")
    assert attempt(client, alice.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, alice.username, "wrong").status_code == 200


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, alice, settings):
    """Without TRUSTED_PROXY_COUNT, a forged X-Forwarded-For does not give a fresh IP."""
    for i in range(5):
        client.post(
            "/accounts/login/",
            {"username": alice.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": alice.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_a_new_password_from_a_reset_link_lifts_the_lock(client, alice):
    """The lock-out page says a reset link works while locked: the owner of the mailbox sets a
    new password and can log in at once; the old password stays refused."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    for _ in range(5):
        attempt(client, alice.username, "wrong")
    assert attempt(client, alice.username, PASSWORD).status_code == 429

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    form_url = client.get(f"/accounts/reset/{uid}/{token}/", REMOTE_ADDR="203.0.113.7").url
    new = "A-new-Passw0rd-2026"
    response = client.post(
        form_url, {"new_password1": new, "new_password2": new}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302 and response.url.endswith("/reset/done/")

    assert attempt(client, alice.username, PASSWORD).status_code == 200  # old one: wrong
    response = attempt(client, alice.username, new)
    assert response.status_code == 302 and "_auth_user_id" in client.session
