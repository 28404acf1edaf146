from django.urls import path

from dpo.api import views

app_name = "dpo_api"

urlpatterns = [
    path("audit/events/", views.AuditEventListView.as_view(), name="audit_events"),
]
