from connectors.base import Connector
from connectors.dynamics365.forms import Dynamics365Form


class Dynamics365Connector(Connector):
    kind = "dynamics365"
    label = "Microsoft Dynamics 365"
    description = "Dynamics 365 / Dataverse: contacts imported, phone calls logged, incidents opened by triggers."
    form_class = Dynamics365Form
    guide_template = "connectors/guides/dynamics365.html"
    batch_size = 100
