"""The retailCRM simulator (app.py); the telephony module's endpoints in telephony.py."""

from simulators.retailcrm.app import API_KEY, RetailCRMSimulator

__all__ = ["API_KEY", "RetailCRMSimulator"]
