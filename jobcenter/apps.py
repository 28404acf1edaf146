from django.apps import AppConfig


class JobcenterConfig(AppConfig):
    name = "jobcenter"
    verbose_name = "Jobcenter"
