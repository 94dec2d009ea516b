"""Password reset: same answer and same path for known and unknown addresses; throttled."""

from unittest import mock

import pytest

from tenants import tasks

URL = "/accounts/password_reset/"


def ask(client, email, ip="203.0.113.7"):
    return client.post(URL, {"email": email}, REMOTE_ADDR=ip)


def test_known_and_unknown_get_the_same_answer_and_the_same_work(client, admin_user):
    with mock.patch.object(tasks.send_password_reset, "delay") as delay:
        known = ask(client, "admin@acme.test")
        unknown = ask(client, "nobody@acme.test", ip="203.0.113.8")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password_reset/done/"
    assert known.content == unknown.content
    # The view only enqueues, with the same arguments whether or not the user exists.
    assert delay.call_args_list == [
        mock.call("admin@acme.test", "testserver", False),
        mock.call("nobody@acme.test", "testserver", False),
    ]


def test_view_does_no_user_lookup(client, admin_user, django_assert_num_queries):
    with mock.patch.object(tasks.send_password_reset, "delay"), django_assert_num_queries(0):
        ask(client, "admin@acme.test")


def test_task_mails_only_a_known_address(db, admin_user, mailoutbox):
    tasks.send_password_reset("nobody@acme.test", "portal.example", True)
    assert mailoutbox == []
    tasks.send_password_reset("admin@acme.test", "portal.example", True)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["admin@acme.test"]
    assert "https://portal.example/accounts/reset/" in mailoutbox[0].body


def test_per_address_throttle(client, admin_user, mailoutbox, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    for i in range(2):
        assert ask(client, "admin@acme.test", ip=f"203.0.113.{i}").status_code == 302
    response = ask(client, "Admin@acme.test ", ip="203.0.113.50")  # same address, other IP
    assert response.status_code == 429
    assert "Too many reset requests" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 3600
    assert len(mailoutbox) == 2
    # An unknown address is throttled the same way (the answer tells nothing).
    for _ in range(2):
        ask(client, "nobody@acme.test", ip="198.51.100.1")
    assert ask(client, "nobody@acme.test", ip="198.51.100.2").status_code == 429


def test_per_ip_throttle(client, db, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 3
    for i in range(3):
        assert ask(client, f"user{i}@acme.test").status_code == 302
    assert ask(client, "user9@acme.test").status_code == 429
    assert ask(client, "user9@acme.test", ip="198.51.100.9").status_code == 302


@pytest.mark.parametrize("email", ["admin@acme.test", "nobody@acme.test"])
def test_broker_down_still_answers_the_same(client, admin_user, email):
    with mock.patch.object(tasks.send_password_reset, "delay", side_effect=OSError("down")):
        response = ask(client, email)
    assert response.status_code == 302 and response["Location"].endswith("/done/")
