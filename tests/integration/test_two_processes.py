"""Scaled out (issue 14): two web processes (gunicorn) and two worker processes on one
PostgreSQL and one Redis. A session started on one web process works on the other;
both load and verify the same model artefact from the database and show the same
estimate; both append to the audit chain at the same time and the chain verifies after;
two train clicks, one on each web process, make one training, run once."""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from audit.actions import AuditAction
from audit.integrity import audit_chain_verify
from audit.models import AuditEvent
from jobcenter.models import User
from prediction.models import ModelVersion, TrainingRun
from tests.casework.conftest import (  # noqa: F401 (fixtures)
    active_version,
    citizen_url,
    judgement_first_off,
)
from tests.factories import PASSWORD
from tests.integration.conftest import _database_url_for_test_db
from tests.integration.servers import (
    ROOT,
    RedisServer,
    free_port,
    process_stop,
    wait_for,
    worker_start,
)
from tests.prediction.history import history_load

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


def _gunicorn(port: int, broker_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.base",
        "DATABASE_URL": _database_url_for_test_db(),
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    return subprocess.Popen(  # noqa: S603 - our own server
        [sys.executable, "-m", "gunicorn", "-c", "python:jobcenter.gunicorn_conf",
         "jobcenter.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/login/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    token = TOKEN.search(browser.get(f"{base}/login/", timeout=10).text).group(1)
    answer = browser.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"}, allow_redirects=False, timeout=30,
    )
    assert answer.status_code == 302, answer.text[:2000]
    return browser


def test_two_web_and_two_worker_processes_on_one_database_and_one_redis(
    postgresql, caseworker, colleague, analyst, citizen, active_version,  # noqa: F811
    judgement_first_off, redis_server, tmp_path,  # noqa: F811
):
    # gunicorn runs the base settings' password hashers, not the tests' fast one.
    fast = PBKDF2PasswordHasher().encode(PASSWORD, "twoprocesses", iterations=1000)
    User.objects.filter(pk__in=[caseworker.pk, colleague.pk, analyst.pk]).update(password=fast)
    specification = active_version.specification
    history_load(specification, n=2000, seed=3)

    logs = [(tmp_path / f"web{i}.log").open("w") for i in (1, 2)]
    ports = [free_port(), free_port()]
    webs = [_gunicorn(port, redis_server.url(), log) for port, log in zip(ports, logs,
                                                                         strict=True)]
    workers = [
        worker_start(broker_url=redis_server.url(), database_url=_database_url_for_test_db(),
                     queues="celery,training,scoring,monitoring",
                     log=tmp_path / f"worker{i}.log", name=f"two-{i}")
        for i in (1, 2)
    ]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base, i in ((a, 1), (b, 2)):
            assert wait_for(lambda base=base: _answers(base), 60), (
                tmp_path / f"web{i}.log"
            ).read_text()

        # A session started on A works on B (sessions in PostgreSQL, one SECRET_KEY).
        alice = _login(a, caseworker.username)
        page_a = alice.get(a + citizen_url(citizen), timeout=20)
        page_b = alice.get(b + citizen_url(citizen), timeout=20)
        assert page_a.status_code == page_b.status_code == 200
        assert 'action="/login/' not in page_b.text
        # Both processes loaded and verified the same artefact: the same estimate.
        probability = re.compile(r'id="estimate-probability"[^>]*>(.*?)</', re.S)
        assert probability.search(page_a.text).group(1) == probability.search(
            page_b.text
        ).group(1)

        # Concurrent appends to one chain from both processes (and their two workers each).
        bob = _login(b, colleague.username)
        before = AuditEvent.objects.count()

        def look(i):
            browser, base = ((alice, a), (bob, b))[i % 2]
            return browser.get(base + citizen_url(citizen), timeout=30).status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(look, range(16)))
        assert answers == [200] * 16
        assert AuditEvent.objects.count() >= before + 16  # a lookup and an estimate each
        result = audit_chain_verify()
        assert result.ok, result.first_break.describe()

        # Two train clicks at the same moment, one on each web process: one training.
        anders_a, anders_b = _login(a, analyst.username), _login(b, analyst.username)
        versions = ModelVersion.objects.count()
        trained = AuditEvent.objects.filter(action=AuditAction.MODEL_TRAIN).count()

        def train(browser_base):
            browser, base = browser_base
            page = browser.get(f"{base}/models/", timeout=20).text
            token = TOKEN.search(page).group(1)
            return browser.post(
                f"{base}/models/train/",
                data={"specification": specification.pk, "csrfmiddlewaretoken": token},
                headers={"Referer": base}, allow_redirects=False, timeout=30,
            ).status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            assert list(pool.map(train, [(anders_a, a), (anders_b, b)])) == [302, 302]
        run = TrainingRun.objects.get()
        assert wait_for(
            lambda: TrainingRun.objects.filter(pk=run.pk, state="succeeded").exists(),
            120,
        ), (tmp_path / "worker1.log").read_text() + (tmp_path / "worker2.log").read_text()
        assert ModelVersion.objects.count() == versions + 1
        assert AuditEvent.objects.filter(action=AuditAction.MODEL_TRAIN).count() == trained + 1
        assert audit_chain_verify().ok
    finally:
        for process in webs + workers:
            process_stop(process)
        for log in logs:
            log.close()
