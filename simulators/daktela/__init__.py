"""The Daktela V6 simulator (app.py); seed agents and the demo token in data.py."""

from simulators.daktela.app import DaktelaSimulator
from simulators.daktela.data import DEMO_TOKEN

__all__ = ["DEMO_TOKEN", "DaktelaSimulator"]
