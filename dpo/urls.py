from django.urls import path

from dpo import checkpoint_views, views

app_name = "dpo"

urlpatterns = [
    path("", views.index, name="index"),
    path("citizen/", views.citizen_search, name="citizen_search"),
    path("integrity/check/", views.integrity_check, name="integrity_check"),
    path("break-glass/", views.break_glass_queue, name="break_glass"),
    path("break-glass/<int:event_id>/", views.break_glass_queue, name="break_glass_review"),
    path("events/<int:event_id>/", views.event_detail, name="event"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("checkpoints/", checkpoint_views.checkpoints, name="checkpoints"),
    path("checkpoints.jsonl", checkpoint_views.checkpoints_download, name="checkpoints_download"),
    path(
        "citizens/<uuid:citizen_id>/access-report/",
        views.access_report,
        name="access_report",
    ),
    path(
        "citizens/<uuid:citizen_id>/access-report.pdf",
        views.access_report_pdf,
        name="access_report_pdf",
    ),
    path(
        "citizens/<uuid:citizen_id>/subject-access.json",
        views.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "citizens/<uuid:citizen_id>/subject-access.pdf",
        views.subject_access_pdf,
        name="subject_access_pdf",
    ),
]
