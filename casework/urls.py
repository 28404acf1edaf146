from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.citizen_search_view, name="search"),
    path("<uuid:citizen_id>/", views.citizen_detail, name="citizen"),
]
