from connectors.base import Connector
from connectors.sugarcrm.forms import SugarCRMForm


class SugarCRMConnector(Connector):
    kind = "sugarcrm"
    label = "SugarCRM"
    description = "SugarCRM REST v11: contacts imported, Calls logged, Cases opened by triggers."
    form_class = SugarCRMForm
    guide_template = "connectors/guides/sugarcrm.html"
    batch_size = 50
