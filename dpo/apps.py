from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DpoConfig(AppConfig):
    """The data protection officer's review pages and exports: reads the audit log,
    casework and prediction; nothing imports it but the URL conf."""

    name = "dpo"
    verbose_name = _("Databeskyttelse")
