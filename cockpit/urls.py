from django.urls import path

from cockpit import rule_views, views

app_name = "cockpit"

urlpatterns = [
    path("", views.index, name="index"),
    path("refresh/", views.refresh, name="refresh"),
    path("charts/<slug:key>.svg", views.chart, name="chart"),
    path("data/<slug:key>.csv", views.table_csv, name="table_csv"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("rules/", rule_views.rules, name="rules"),
    path("rules/<int:feedback_id>/review/", rule_views.rule_feedback_review, name="rule_review"),
]
