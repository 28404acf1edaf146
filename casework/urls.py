from django.urls import path

from casework import import_views, views
from casework import page_actions as actions

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.citizen_search_view, name="search"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("judgement-first/", views.judgement_first_setting, name="judgement_first"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<uuid:upload_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<uuid:upload_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("<uuid:citizen_id>/", views.citizen_detail, name="citizen"),
    path("<uuid:citizen_id>/judgement/", actions.judgement_create, name="judgement"),
    path("<uuid:citizen_id>/rule-feedback/", actions.rule_feedback_create, name="rule_feedback"),
    path("<uuid:citizen_id>/correction/", actions.correction_create, name="correction"),
    path("<uuid:citizen_id>/objection/", actions.objection_create, name="objection"),
    path("<uuid:citizen_id>/letter/", views.letter, name="letter"),
    path("<uuid:citizen_id>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path(
        "<uuid:citizen_id>/objection/withdraw/",
        actions.objection_withdraw_view,
        name="objection_withdraw",
    ),
]
