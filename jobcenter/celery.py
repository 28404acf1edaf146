"""The Celery app. Tasks take ids, speak JSON, are acknowledged late and run on queues
by kind of work, so a long training never delays re-scoring."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.base")

app = Celery("jobcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (
    Queue("celery"),
    Queue("training"),
    Queue("scoring"),
    Queue("monitoring"),
)
app.conf.task_routes = {
    "prediction.tasks.model_retrain_task": {"queue": "training"},
    "prediction.tasks.*": {"queue": "scoring"},
    "casework.tasks.*": {"queue": "scoring"},
    "audit.tasks.*": {"queue": "monitoring"},
}
# Every beat entry expires, so a backlog after an outage never runs stale work twice.
app.conf.beat_schedule = {
    "jobcenter-heartbeat": {
        "task": "jobcenter.tasks.heartbeat_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
}
app.autodiscover_tasks()
