"""The API's content negotiation shortcut (portal.api.JSONNegotiation) answers as DRF's own."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from portal.api import JSONNegotiation


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "text/html", "application/json; indent=4", "text/csv"],
)
@pytest.mark.parametrize("renderers", [[JSONRenderer()], [BrowsableAPIRenderer(), JSONRenderer()]])
def test_same_choice_as_drf(accept, renderers):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get("/api/v1/calls/", **headers))

    def choose(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except Exception as exc:  # noqa: BLE001 - a 406 must be the same too
            return type(exc).__name__
        return type(renderer).__name__, media_type

    assert choose(JSONNegotiation()) == choose(DefaultContentNegotiation())


def test_format_override_goes_to_drf():
    request = Request(APIRequestFactory().get("/api/v1/calls/?format=api"))
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]
    renderer, _ = JSONNegotiation().select_renderer(request, renderers)
    assert isinstance(renderer, BrowsableAPIRenderer)


def test_the_api_answers_json_and_refuses_html(api):
    assert api.get("/api/v1/calls/").headers["Content-Type"] == "application/json"
    assert api.get("/api/v1/calls/", HTTP_ACCEPT="*/*").status_code == 200
    assert api.get("/api/v1/calls/", HTTP_ACCEPT="text/html").status_code == 406
