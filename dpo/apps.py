from django.apps import AppConfig


class DpoConfig(AppConfig):
    """The data protection officer's review pages and exports: reads the audit log,
    casework and prediction; nothing imports it but the URL conf."""

    name = "dpo"
    verbose_name = "DPO"
