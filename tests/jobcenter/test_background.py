"""Sending background work (jobcenter.background): with the broker down nothing is kept;
with a broker that answered but then failed to take the message, the run fails instead
of waiting for ever. The real broker's side: tests/integration/test_failure_redis.py."""

import pytest
from kombu.exceptions import OperationalError

from jobcenter import background
from jobcenter.background import BackgroundUnavailable
from jobcenter.celery import app
from prediction import registry
from prediction.models import TrainingRun
from tests.factories import default_feature_spec


@pytest.fixture
def not_eager(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)


def test_it_keeps_no_run_when_the_broker_does_not_answer(db, analyst, not_eager, monkeypatch):
    def down(app=None):
        raise BackgroundUnavailable()

    monkeypatch.setattr(background, "broker_check", down)
    with pytest.raises(BackgroundUnavailable):
        registry.training_run_request(specification=default_feature_spec(), user=analyst)
    assert not TrainingRun.objects.exists()


def test_it_fails_the_run_when_the_message_cannot_be_sent_after_the_commit(
    db, analyst, not_eager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(background, "broker_check", lambda app=None: None)

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr("prediction.tasks.model_retrain_task.apply_async", refused)
    specification = default_feature_spec()
    with django_capture_on_commit_callbacks(execute=True):
        run = registry.training_run_request(specification=specification, user=analyst)
    run.refresh_from_db()
    assert run.state == TrainingRun.State.FAILED and "Not sent" in run.message
    # It does not block the next request: that one is a new run.
    monkeypatch.setattr("prediction.tasks.model_retrain_task.apply_async", lambda **kw: None)
    with django_capture_on_commit_callbacks(execute=True):
        again = registry.training_run_request(specification=specification, user=analyst)
    assert again.pk != run.pk and again.state == TrainingRun.State.QUEUED
