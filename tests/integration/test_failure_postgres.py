"""PostgreSQL unreachable, or restarting in the middle of a request (issue 14, failure):
a clear 503 page in Danish, no traceback, nothing half-written, and the app recovers by
itself when the database is back.

The outage test runs gunicorn, as production does (persistent connections with health
checks, DATABASE_CONN_MAX_AGE=60), on a PostgreSQL cluster of its own that it stops and
starts; the test database is copied into it with pg_dump/pg_restore."""

import os
import re
import subprocess
import sys
import time

import psycopg2
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Judgement
from jobcenter.models import User
from tests.casework.conftest import (  # noqa: F401 (fixtures)
    active_version,
    citizen_url,
    judgement_first_off,
)
from tests.factories import PASSWORD
from tests.integration.servers import (
    ROOT,
    PostgresCluster,
    database_dump,
    free_port,
    process_stop,
    wait_for,
)

DOWN = "Systemet er midlertidigt utilgængeligt"


@pytest.fixture
def private_pg():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.destroy()


def _gunicorn(database_url: str, port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.base",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # this test is about the database
    return subprocess.Popen(  # noqa: S603 - our own server
        [sys.executable, "-m", "gunicorn", "-c", "python:jobcenter.gunicorn_conf",
         "jobcenter.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def _login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = browser.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:2000]
    return browser


def _csrf(browser: requests.Session, page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_postgresql_down_a_clear_503_nothing_half_written_and_back_by_itself(
    postgresql, caseworker, citizen, active_version, judgement_first_off, private_pg,  # noqa: F811
    tmp_path,
):
    # gunicorn runs the base settings' password hashers, not the tests' fast one.
    User.objects.filter(pk=caseworker.pk).update(
        password=PBKDF2PasswordHasher().encode(PASSWORD, "failuretest", iterations=1000)
    )
    dump = tmp_path / "test.dump"
    database_dump(dump)
    private_pg.psql("CREATE DATABASE jc")
    private_pg.restore(dump, "jc")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w")
    server = _gunicorn(private_pg.url("jc"), port, log)
    try:
        assert wait_for(lambda: _answers(base), 30), (tmp_path / "gunicorn.log").read_text()
        browser = _login(base, caseworker.username)
        page = browser.get(base + citizen_url(citizen), timeout=10)
        assert page.status_code == 200 and 'id="judgement-form"' in page.text
        token = _csrf(browser, page.text)
        snapshot_id = citizen.spells.get().snapshots.get().pk
        estimate_id = private_pg.psql("SELECT id FROM casework_estimate", "jc")
        judgement = {
            "snapshot_id": snapshot_id, "next_step": "internship", "risk_band": "high",
            "agreement": "agree", "estimate_id": estimate_id, "csrfmiddlewaretoken": token,
        }

        private_pg.stop("immediate")  # a crash: every connection cut at once
        for answer in (
            browser.get(base + citizen_url(citizen), timeout=10),
            browser.post(base + citizen_url(citizen, "judgement"), data=judgement,
                         headers={"Referer": base}, allow_redirects=False, timeout=10),
        ):
            assert answer.status_code == 503
            assert DOWN in answer.text and "Traceback" not in answer.text
            assert answer.headers["Retry-After"] == "60"

        private_pg.start()
        # The same gunicorn worker, its old connection dead: it reconnects by itself.
        page = browser.get(base + citizen_url(citizen), timeout=10)
        assert page.status_code == 200, page.text[:2000]
        # Still logged in: the 503s left the session cookie alone.
        assert "Karen Jensen" in page.text and "/login/" not in page.url
        assert private_pg.psql("SELECT count(*) FROM casework_judgement", "jc") == "0"
        # The user sends the form again from the page as it is now (the estimate it shows
        # and its token), as a browser would after the reload.
        shown = re.search(r'name="estimate_id" value="(\d+)"', page.text)
        assert shown, re.findall(r'id="estimate-message"[^>]*>(.*?)</p>', page.text, re.S)
        judgement["estimate_id"] = shown.group(1)
        judgement["csrfmiddlewaretoken"] = _csrf(browser, page.text)
        answer = browser.post(base + citizen_url(citizen, "judgement"), data=judgement,
                              headers={"Referer": base}, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:2000]
        landed = browser.get(base + answer.headers["Location"], timeout=10).text
        assert private_pg.psql("SELECT count(*) FROM casework_judgement", "jc") == "1", (
            re.findall(r'<ul class="messages">(.*?)</ul>', landed, re.S) or landed[:3000]
        )
        assert private_pg.psql(
            "SELECT count(*) FROM audit_auditevent "
            f"WHERE action = '{AuditAction.JUDGEMENT_RECORD}'",
            "jc",
        ) == "1"
    finally:
        process_stop(server)
        log.close()


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/login/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_database_restart_in_the_middle_of_a_request_writes_nothing_and_the_next_works(
    postgresql, caseworker, citizen, login, monkeypatch
):
    """The database session ends between the judgement's row and its audit event (as a
    restart ends every session): the judgement is gone with it, the page is a 503."""
    from audit import services

    append = services._append

    def session_ends_first(event, chain):
        pid = connection.connection.info.backend_pid
        other = psycopg2.connect(
            host="127.0.0.1", port=connection.settings_dict["PORT"] or 5432,
            user=connection.settings_dict["USER"] or "postgres", dbname="postgres",
        )
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.close()
        time.sleep(0.2)
        return append(event, chain)

    browser = login(caseworker)
    snapshot = citizen.spells.get().snapshots.get()
    events = AuditEvent.objects.count()
    monkeypatch.setattr(services, "_append", session_ends_first)
    answer = browser.post(
        citizen_url(citizen, "judgement"),
        {"snapshot_id": snapshot.pk, "next_step": "internship", "risk_band": "high",
         "agreement": "agree"},
    )
    assert answer.status_code == 503
    page = answer.content.decode()
    assert DOWN in page and "Traceback" not in page
    monkeypatch.setattr(services, "_append", append)

    connection.close()  # what the end of the request does with a broken connection
    assert not Judgement.objects.exists()
    assert AuditEvent.objects.count() == events
    answer = browser.post(
        citizen_url(citizen, "judgement"),
        {"snapshot_id": snapshot.pk, "next_step": "internship", "risk_band": "high",
         "agreement": "agree"},
    )
    assert answer.status_code == 302
    assert Judgement.objects.count() == 1
