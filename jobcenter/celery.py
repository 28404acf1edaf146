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
    "prediction.tasks.model_retrain_scheduled_task": {"queue": "training"},
    "casework.tasks.drift_monitor_task": {"queue": "monitoring"},
    "prediction.tasks.*": {"queue": "scoring"},
    "casework.tasks.*": {"queue": "scoring"},
    "audit.tasks.*": {"queue": "monitoring"},
    "cockpit.tasks.*": {"queue": "monitoring"},
    "dpo.tasks.*": {"queue": "monitoring"},
}
# Every beat entry expires, so a backlog after an outage never runs stale work twice.
app.conf.beat_schedule = {
    "jobcenter-heartbeat": {
        "task": "jobcenter.tasks.heartbeat_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # Monthly retrain on the 1st at 02:00; unchanged data make no new version.
    "prediction-monthly-retrain": {
        "task": "prediction.tasks.model_retrain_scheduled_task",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Nightly drift check of the open spells' inputs against the training data.
    "casework-nightly-drift": {
        "task": "casework.tasks.drift_monitor_task",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 6 * 60 * 60},
    },
    # Closed spells whose outcome arrived feed the training store every night.
    "casework-nightly-training-store": {
        "task": "casework.tasks.training_store_feed_task",
        "schedule": crontab(minute=0, hour=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Nightly audit retention (checkpoint, then delete), then the chain is verified and
    # the result recorded for the DPO's front page.
    "audit-nightly-retention": {
        "task": "audit.tasks.audit_retention_task",
        "schedule": crontab(minute=0, hour=4),
        "options": {"expires": 6 * 60 * 60},
    },
    # The managers' summary tables, after the night's drift reports and outcomes.
    "cockpit-nightly-summary": {
        "task": "cockpit.tasks.cockpit_summary_nightly_task",
        "schedule": crontab(minute=0, hour=5),
        "options": {"expires": 6 * 60 * 60},
    },
    # Signed checkpoints of every audit chain head, outside the database (hourly; the
    # DPO's exports write one too), so a rewritten chain cannot pass verify_audit.
    "audit-hourly-external-checkpoint": {
        "task": "audit.tasks.audit_external_checkpoint_task",
        "schedule": crontab(minute=7),
        "options": {"expires": 50 * 60},
    },
    "audit-nightly-verify": {
        "task": "audit.tasks.audit_verify_task",
        "schedule": crontab(minute=30, hour=4),
        "options": {"expires": 6 * 60 * 60},
    },
}
app.autodiscover_tasks()
