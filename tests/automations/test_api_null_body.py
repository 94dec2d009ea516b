"""Callback requests: odd JSON bodies are 400s with error.fields as an object (API.md Errors)."""

import pytest


@pytest.mark.parametrize("body", ["null", '"text"', "12", "[null]", "[]"])
def test_odd_bodies_are_400_with_fields_object(api, body):
    response = api.generic(
        "POST", "/api/v1/callback-requests/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert isinstance(error["fields"], dict), error


def test_null_body_names_the_problem(api):
    response = api.generic(
        "POST", "/api/v1/callback-requests/", "null", content_type="application/json"
    )
    assert response.json()["error"]["fields"] == {
        "non_field_errors": ["This field may not be null."]
    }
