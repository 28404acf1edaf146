from django.urls import path

from cockpit import rule_views, views

app_name = "cockpit"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", rule_views.rules, name="rules"),
    path("rules/<int:feedback_id>/review/", rule_views.rule_feedback_review, name="rule_review"),
]
