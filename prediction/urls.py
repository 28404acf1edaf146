from django.urls import path

from prediction import views

app_name = "prediction"

urlpatterns = [
    path("", views.model_list, name="models"),
    path("train/", views.model_train, name="train"),
    path("scoring/pause/", views.scoring_pause, name="scoring_pause"),
    path("scoring/auto-promotion/", views.auto_promote, name="auto_promote"),
    path("runs/<uuid:run_id>/", views.training_run_detail, name="run"),
    path("<int:pk>/", views.model_detail, name="version"),
    path("<int:pk>/rules/", views.model_rules, name="rules"),
    path("<int:pk>/calibration.svg", views.calibration_chart, name="calibration_chart"),
    *(
        path(f"<int:pk>/{action}/", views.model_action, {"action": action}, name=action)
        for action in views.ACTIONS
    ),
]
