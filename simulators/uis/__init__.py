"""The UIS (CoMagic) simulator (app.py); seed employees and the demo tokens in data.py."""

from simulators.uis.app import UisSimulator
from simulators.uis.data import DEMO_CALL_KEY, DEMO_TOKEN, VIRTUAL_NUMBER

__all__ = ["DEMO_CALL_KEY", "DEMO_TOKEN", "VIRTUAL_NUMBER", "UisSimulator"]
