"""The Salesforce simulator (app.py); SOQL/SOSL parsing in soql_engine.py."""

from simulators.salesforce.app import SalesforceSimulator

__all__ = ["SalesforceSimulator"]
