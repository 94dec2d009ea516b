from connectors.base import Connector
from connectors.salesforce.forms import SalesforceForm


class SalesforceConnector(Connector):
    kind = "salesforce"
    label = "Salesforce"
    description = (
        "Salesforce CRM: contacts imported, calls logged as Tasks, Cases opened by triggers."
    )
    form_class = SalesforceForm
    guide_template = "connectors/guides/salesforce.html"
    batch_size = 200
