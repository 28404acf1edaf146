from django.apps import AppConfig


class JobcenterConfig(AppConfig):
    name = "jobcenter"
    verbose_name = "Jobcenter"

    def ready(self):
        from jobcenter import signals  # noqa: F401 - connects the role-change listener
