from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    """The managers' dashboards and the data team's rule review: summary tables that a
    task computes from casework, prediction and audit; nothing imports it but the URL
    conf."""

    name = "cockpit"
    verbose_name = _("Ledelsens overblik")
