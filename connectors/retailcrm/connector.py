from connectors.base import Connector
from connectors.retailcrm.forms import RetailCRMForm


class RetailCRMConnector(Connector):
    kind = "retailcrm"
    label = "retailCRM"
    description = (
        "retailCRM telephony: screen pop on ringing, calls uploaded (missed too), click-to-call."
    )
    form_class = RetailCRMForm
    guide_template = "connectors/guides/retailcrm.html"
    batch_size = 50
