"""The Dynamics 365 simulator (app.py): Entra ID authority + Dataverse Web API over HTTPS."""

from simulators.dynamics365.app import Dynamics365Simulator

__all__ = ["Dynamics365Simulator"]
