"""Casework's API under /api/v1/: a citizen is named by their id or by the spell's id
in the case system, never by CPR number."""

from django.urls import path

from casework.api import assessments

app_name = "casework_api"

urlpatterns = [
    path(
        "citizens/<uuid:citizen_id>/assessment/",
        assessments.CitizenAssessmentView.as_view(),
        name="citizen_assessment",
    ),
    path(
        "citizens/<uuid:citizen_id>/journal-note/",
        assessments.CitizenJournalNoteView.as_view(),
        name="citizen_journal_note",
    ),
    path(
        "spells/<str:external_id>/assessment/",
        assessments.SpellAssessmentView.as_view(),
        name="spell_assessment",
    ),
    path(
        "spells/<str:external_id>/journal-note/",
        assessments.SpellJournalNoteView.as_view(),
        name="spell_journal_note",
    ),
]
