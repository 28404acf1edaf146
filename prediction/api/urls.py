from django.urls import path

from prediction.api import views

app_name = "prediction_api"

urlpatterns = [
    path("models/", views.ModelVersionListView.as_view(), name="versions"),
    path("models/<int:pk>/", views.ModelVersionDetailView.as_view(), name="version"),
]
