from django.apps import AppConfig


class SimulatorsConfig(AppConfig):
    """Dev-only app: the `run_portal`, `run_simulators` and `seed_demo` commands."""

    name = "simulators"
    verbose_name = "Simulators (dev only)"
