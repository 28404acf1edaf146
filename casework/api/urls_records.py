"""The write endpoints for the case system, mounted under ``/api/v1/``."""

from django.urls import path

from casework.api.records import RecordCreateView, RecordsBatchView, RecordsBulkView

urlpatterns = [
    path("records/", RecordsBatchView.as_view(), name="api_records"),
    path("records/<slug:record_type>/", RecordCreateView.as_view(), name="api_record_create"),
    path("records/<slug:record_type>/bulk/", RecordsBulkView.as_view(), name="api_records_bulk"),
]
