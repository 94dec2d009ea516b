"""The SugarCRM simulator (app.py); Sugar's filter language in filter.py."""

from simulators.sugarcrm.app import PASSWORD, USERNAME, SugarCRMSimulator

__all__ = ["PASSWORD", "USERNAME", "SugarCRMSimulator"]
