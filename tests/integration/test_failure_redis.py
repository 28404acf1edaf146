"""Redis down (issue 14, failure): caseworkers still log in, look citizens up, see the
estimate and record their judgement (sessions, axes and the cache need no Redis);
training, the cockpit's refresh and the DPO's integrity check say at once that
background work is unavailable and keep nothing; when Redis returns, the next click
works, and work queued before a Redis crash is neither lost nor run twice.

Each test runs its own redis-server (killed and started again), never the shared one."""

import base64
import json
import time

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Estimate, Judgement
from cockpit.models import SummaryRun
from dpo.models import IntegrityCheckRun
from prediction.models import ModelVersion, TrainingRun
from tests.casework.conftest import citizen_url, judgement_first_off  # noqa: F401 (fixture)
from tests.factories import PASSWORD
from tests.integration.conftest import _database_url_for_test_db
from tests.integration.servers import RedisServer, process_stop, wait_for, worker_start
from tests.prediction.history import REPO_SPECS, history_load, spec_register
from tests.prediction.test_views import make_active

UNAVAILABLE = "Baggrundsarbejdet kan ikke startes lige nu"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


def _signed_in(user) -> Client:
    browser = Client()
    assert browser.login(username=user.username, password=PASSWORD)
    return browser


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _queued(redis_server, queue: str) -> list[dict]:
    """The task messages waiting in a queue (kombu's Redis list), newest first."""
    return [json.loads(raw) for raw in redis_server.client().lrange(queue, 0, -1)]


def test_redis_down_training_answers_at_once_keeps_nothing_and_works_when_it_is_back(
    postgresql, analyst, redis_server, project_broker, tmp_path
):
    specification = spec_register(REPO_SPECS / "default.toml")
    history_load(specification, n=3000, seed=3)
    project_broker(redis_server.url())
    redis_server.kill()

    browser = _signed_in(analyst)  # the session lives in PostgreSQL, not Redis
    for _click in range(2):  # a refused click leaves nothing that blocks the next
        started = time.monotonic()
        response = browser.post(reverse("prediction:train"), {"specification": specification.pk})
        assert time.monotonic() - started < 5, "the page must not hang on the broker"
        assert response.status_code == 302
        assert response["Location"] == reverse("prediction:models")
        assert any(UNAVAILABLE in message for message in _messages(response))
        assert not TrainingRun.objects.exists()
    page = browser.get(reverse("prediction:models"))
    assert page.status_code == 200

    # Redis is back: the next click queues one run, and exactly one message for it.
    redis_server.start()
    response = browser.post(reverse("prediction:train"), {"specification": specification.pk})
    run = TrainingRun.objects.get()
    assert response["Location"] == reverse("prediction:run", args=[run.pk])
    assert run.state == TrainingRun.State.QUEUED
    (message,) = _queued(redis_server, "training")
    assert message["headers"]["task"] == "prediction.tasks.model_retrain_task"
    assert json.loads(base64.b64decode(message["body"]))[1] == {"run_id": str(run.pk)}

    # Redis crashes with the work queued and comes back: append-only persistence (as in
    # docker-compose.yml) kept the message; a worker then runs it once.
    redis_server.kill()
    redis_server.start()
    assert len(_queued(redis_server, "training")) == 1
    worker = worker_start(
        broker_url=redis_server.url(),
        database_url=_database_url_for_test_db(),
        queues="training",
        log=tmp_path / "worker.log",
        name="failure-redis",
    )
    try:
        assert wait_for(
            lambda: TrainingRun.objects.filter(pk=run.pk, state="succeeded").exists(), 120
        ), (tmp_path / "worker.log").read_text()
    finally:
        process_stop(worker)
    assert ModelVersion.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MODEL_TRAIN).count() == 1
    assert _queued(redis_server, "training") == []


def test_redis_down_refresh_and_integrity_check_say_so_and_record_nothing(
    postgresql, manager, dpo, redis_server, project_broker
):
    project_broker(redis_server.url())
    redis_server.kill()

    started = time.monotonic()
    response = _signed_in(manager).post(reverse("cockpit:refresh"))
    assert time.monotonic() - started < 5
    assert response.status_code == 302
    assert any(UNAVAILABLE in message for message in _messages(response))
    assert not SummaryRun.objects.exists()

    response = _signed_in(dpo).post(reverse("dpo:integrity_check"))
    assert response.status_code == 302
    assert any(UNAVAILABLE in message for message in _messages(response))
    assert not IntegrityCheckRun.objects.exists()
    # Neither the refresh nor the check request was recorded: they did not happen.
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.COCKPIT_REFRESH, AuditAction.AUDIT_VERIFY_REQUEST]
    ).exists()

    redis_server.start()
    response = _signed_in(manager).post(reverse("cockpit:refresh"))
    run = SummaryRun.objects.get()
    assert run.state == SummaryRun.State.QUEUED
    assert len(_queued(redis_server, "monitoring")) == 1


def test_redis_down_caseworkers_log_in_look_up_see_the_estimate_and_judge(
    postgresql, caseworker, citizen, analyst, manager, judgement_first_off,  # noqa: F811
    redis_server, project_broker,
):
    specification = citizen.spells.get().snapshots.get().specification
    project_broker(redis_server.url())
    redis_server.kill()
    # A version activated while Redis is down is active at once; its re-scoring of the
    # open spells cannot be sent (logged), and the page scores the citizen on look-up.
    started = time.monotonic()
    make_active(specification, trained_by=analyst, reviewer=manager)
    assert time.monotonic() - started < 10
    assert not Estimate.objects.exists()

    browser = Client()
    response = browser.post(
        reverse("login"), {"username": caseworker.username, "password": PASSWORD}
    )
    assert response.status_code == 302, "login needs no Redis"
    started = time.monotonic()
    page = browser.get(citizen_url(citizen))
    assert time.monotonic() - started < 5
    assert page.status_code == 200
    estimate = Estimate.objects.get()
    assert 'id="estimate-message"' not in page.content.decode()
    snapshot = citizen.spells.get().snapshots.get()
    response = browser.post(
        citizen_url(citizen, "judgement"),
        {
            "snapshot_id": snapshot.pk,
            "next_step": "internship",
            "risk_band": "high",
            "agreement": "agree",
            "estimate_id": estimate.pk,
        },
    )
    assert response.status_code == 302
    assert Judgement.objects.get().estimate == estimate
