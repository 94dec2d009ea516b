"""The Salesforce simulator serves its seed (fixtures: tests/connectors/conftest.py)."""


def test_simulator_serves_its_seed(sf_sim):
    assert len(sf_sim.users) >= 10 and all(u["Email"] for u in sf_sim.users)
    assert {q["Name"] for q in sf_sim.queues} == {"Support", "Sales", "Billing"}
    assert len(sf_sim.contacts) == 50
