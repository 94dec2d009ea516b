"""Daktela's own Python SDK (`daktela` on PyPI) lists and reads through the simulator, as
simple-salesforce checks the Salesforce one: same paths, envelope, auth and paging."""

import pytest
from daktela import AuthMethod, DaktelaClient, DaktelaConfig, DaktelaFilter, DaktelaQuery
from daktela.exceptions import DaktelaNotFoundException, DaktelaUnauthorizedException

from simulators.daktela import DEMO_TOKEN


@pytest.fixture(params=[AuthMethod.HEADER, AuthMethod.QUERY])
def sdk(request, daktela_sim):
    config = DaktelaConfig(url=daktela_sim.url, access_token=DEMO_TOKEN, auth_method=request.param)
    with DaktelaClient(config) as client:
        yield client


def test_lists_activities_with_paging_and_filter(sdk):
    names = [a["name"] for a in sdk.iterate("activities", page_size=2)]
    assert names == ["activities_demo_1", "activities_demo_2", "activities_demo_mail"]
    calls = sdk.get("activities", DaktelaQuery().filter(DaktelaFilter.eq("type", "CALL")))
    assert calls.total == 2 and {a["item"]["id_call"] for a in calls.data} == {
        "1WS.demo1",
        "1WS.demo2",
    }


def test_reads_one_activity_and_its_call(sdk):
    activity = sdk.get_one("activities", "activities_demo_1").data
    assert activity["type"] == "CALL" and activity["item"]["clid"] == "+420773794804"
    assert activity["user"]["name"] == "jdoe" and activity["statuses"][0]["title"] == "Complaint"
    call = sdk.get_one("activitiesCall", "1WS.demo1").data
    assert call["direction"] == "in" and call["activities"][0]["name"] == "activities_demo_1"
    assert len(sdk.get_all("activitiesCall")) == 2


def test_errors_are_the_sdks(sdk, daktela_sim):
    with pytest.raises(DaktelaNotFoundException):
        sdk.get_one("activities", "nope")
    bad = DaktelaConfig(url=daktela_sim.url, access_token="wrong")
    with DaktelaClient(bad) as client, pytest.raises(DaktelaUnauthorizedException):
        client.get("activities")


def test_places_a_call(sdk, daktela_sim):
    result = sdk.post("activitiesCall", {"user": "jdoe", "number": "+420773794804"})
    assert result.status_code == 201 and result.data["id_call"] == daktela_sim.placed[0]["id_call"]
