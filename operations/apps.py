from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Alerts for tenant admins, retention and erasure, the Overview's health card (issue 16).

    The top product layer: it reads every app's rows (in beat tasks and a few pages) and no
    app below imports it; the hot paths are unchanged (alerts are evaluated from the database).
    """

    name = "operations"
