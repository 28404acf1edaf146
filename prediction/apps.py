from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PredictionConfig(AppConfig):
    name = "prediction"
    verbose_name = _("Modeller")
