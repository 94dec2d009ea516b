"""The JSON API has no session: page middleware is skipped for it (portal.middleware.pages_only)."""


def test_a_logged_in_browser_cookie_authenticates_nothing_on_the_api(member_client):
    assert member_client.get("/calls/").status_code == 200  # the session works for pages
    response = member_client.get("/api/v1/calls/")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_api_responses_keep_the_security_headers(api):
    response = api.get("/api/v1/calls/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert not response.cookies


def test_pages_still_get_csrf_and_sessions(client, admin_user):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    client.force_login(admin_user)
    assert client.get("/calls/").status_code == 200
