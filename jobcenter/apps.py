from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobcenterConfig(AppConfig):
    name = "jobcenter"
    verbose_name = _("Organisation")

    def ready(self):
        from jobcenter import signals  # noqa: F401 - connects the role-change listener
        from jobcenter.api import schema  # noqa: F401 - the API's authentication schemes
