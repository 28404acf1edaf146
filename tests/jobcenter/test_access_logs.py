"""A CPR number typed into an address never reaches an access log in clear: neither
runserver's (``make run``) nor gunicorn's (the image), whatever the shape it is typed in."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPED = ["/citizens/0102031234/", "/citizens/010203-1234/", "/x?q=010203%2D1234"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_and_ask(command, port, env):
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        for path in TYPED:
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
        time.sleep(0.5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    return output


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="jobcenter.settings.base",
        VAR_DIR=str(tmp_path),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    env.pop("DATABASE_URL", None)  # a throwaway SQLite file: no page here needs data
    return env


def _assert_masked(output: str):
    assert "/citizens/" in output, output  # the lines are there...
    for clear in ("0102031234", "010203-1234", "010203%2D1234"):
        assert clear not in output, output  # ...without the number
    assert "010203-XXXX" in output


def test_runserver_access_log_masks_cpr_numbers(tmp_path):
    port = _free_port()
    output = _serve_and_ask(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        port,
        _env(tmp_path),
    )
    _assert_masked(output)


def test_gunicorn_access_log_masks_cpr_numbers(tmp_path):
    port = _free_port()
    env = {**_env(tmp_path), "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    output = _serve_and_ask(
        [sys.executable, "-m", "gunicorn", "-c", "python:jobcenter.gunicorn_conf",
         "jobcenter.wsgi:application"],
        port,
        env,
    )
    _assert_masked(output)
