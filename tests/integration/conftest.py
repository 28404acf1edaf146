"""Integration tests run against the real PostgreSQL, Redis and a real Celery worker
process. Where those are missing they skip, and in CI (REQUIRE_SERVICES=1) a skip is a
failure (see tests/conftest.py)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker_url():
    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
    parsed = urlparse(url)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        pytest.skip(f"no broker at {parsed.hostname}:{parsed.port}")
    return url


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    return connection


def _database_url_for_test_db() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(postgresql, broker_url, tmp_path):
    """A real `celery worker` process on its own queue, pointed at the test database, and
    a client app that sends to it through the broker."""
    queue = f"pytest-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": _database_url_for_test_db(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own worker command
        [sys.executable, "-m", "celery", "-A", "jobcenter", "worker", "--pool", "solo",
         "-Q", queue, "-n", f"{queue}@%h", "-l", "info", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Not the current app: shared tasks elsewhere in the suite must keep using the
    # project's (eager) app, not send through this client.
    client = Celery(
        "pytest-client", broker=broker_url, backend=broker_url, set_as_current=False
    )
    client.conf.task_serializer = "json"
    client.conf.result_serializer = "json"
    client.conf.accept_content = ["json"]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("worker exited:\n" + (tmp_path / "worker.log").read_text())
            replies = client.control.ping(destination=[f"{queue}@{socket.gethostname()}"],
                                          timeout=1)
            if replies:
                break
        else:
            pytest.fail("worker did not answer in 60 s:\n" + (tmp_path / "worker.log").read_text())
        client.worker_process = process  # for tests that kill the worker mid-task
        yield client, queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        # The worker's connections must be gone before the test database is flushed.
        client.close()


@pytest.fixture
def project_broker():
    """Points the project's own Celery app (the one the views and services send with) at
    a broker for the test, as in production: not eager. Restored afterwards."""
    from jobcenter.celery import app

    keys = ("broker_url", "broker_write_url", "result_backend", "task_always_eager")
    saved = {key: app.conf.get(key) for key in keys}

    def _pools_reset():
        app._pool = None
        app.amqp._producer_pool = None

    def use(url: str):
        app.conf.update(
            broker_url=url, broker_write_url=url, result_backend=url, task_always_eager=False
        )
        _pools_reset()
        return app

    yield use
    app.conf.update(saved)
    _pools_reset()
