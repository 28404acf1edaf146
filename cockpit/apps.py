from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """The managers' dashboards and the data team's rule review: summary tables that a
    task computes from casework, prediction and audit; nothing imports it but the URL
    conf."""

    name = "cockpit"
    verbose_name = "Cockpit"
