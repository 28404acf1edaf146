"""The API under /api/v1/: each app's endpoints beside its pages (``casework/api/``,
``prediction/api/``, ``dpo/api/``, ``cockpit/api/``), and the schema and its documentation."""

from django.urls import include, path

from jobcenter.api.views import DocsView, SchemaView

urlpatterns = [
    path("v1/", include("casework.api.urls")),
    path("v1/", include("casework.api.urls_records")),  # the write API (docs/imports.md)
    path("v1/", include("prediction.api.urls")),
    path("v1/", include("dpo.api.urls")),
    path("v1/", include("cockpit.api.urls")),
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(), name="api_docs"),
]
