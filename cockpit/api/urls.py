"""The cockpit's API under /api/v1/: the managers' tables, aggregates only."""

from django.urls import path

from cockpit.api.views import CockpitView

app_name = "cockpit_api"

urlpatterns = [
    path("cockpit/", CockpitView.as_view(), name="cockpit"),
]
