"""Throwaway servers for the failure tests: a Redis and a PostgreSQL cluster of the
test's own, on free ports, that a test may kill and start again. The shared servers
(PostgreSQL on 5432, Redis on 6379) are never touched.

The binaries come from the machine (``redis-server`` on the PATH, PostgreSQL's under
/usr/lib/postgresql/*/bin); where they are missing the test skips, which CI
(REQUIRE_SERVICES=1) counts as a failure."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    """``redis-server`` on a free port with its data in ``directory``; append-only
    persistence as docker-compose.yml runs it, so queued work survives a restart."""

    def __init__(self, directory: Path, *, appendonly: bool = True):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no redis-server on this machine")
        self.binary = binary
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(lambda: _listening(self.port), 10):
            raise RuntimeError("redis-server did not start")
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash: no chance to save anything on the way out."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb into a temporary directory, run as
    the postgres OS user when the test runs as root), on a free port, trust auth."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.directory = Path(tempfile.mkdtemp(prefix="jc-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
        )

    def _run(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own server's tools
            command, check=True, capture_output=True, text=True, **kwargs
        )

    def start(self) -> PostgresCluster:
        # fsync off for speed: the tests crash the server process, never the machine, so
        # what a commit wrote to the operating system survives. synchronous_commit stays
        # on: off, a crash loses the last commits (a login's session), which no
        # production server configured as documented does.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "30",
             "-l", str(self.directory / "postgres.log"), "start"]
        )
        return self

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as a crash, every connection cut at once."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    @staticmethod
    def binaries() -> Path:
        return _postgres_bin()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def restore(self, dump: Path, database: str) -> None:
        """A pg_dump custom-format archive into ``database`` (which must exist)."""
        subprocess.run(  # noqa: S603 - our own server
            [str(self.bin / "pg_restore"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "-d", database, "--no-owner", "--exit-on-error", str(dump)],
            check=True, capture_output=True, text=True,
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(  # noqa: S603 - our own server
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
            check=True, capture_output=True, text=True,
        )
        return done.stdout.strip()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def database_dump(path: Path) -> None:
    """The test database (on the shared server) as a pg_dump custom-format archive."""
    from django.db import connection

    s = connection.settings_dict
    subprocess.run(  # noqa: S603 - our own tools
        [str(_postgres_bin() / "pg_dump"), "-Fc", "-f", str(path),
         "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432),
         "-U", s["USER"] or "postgres", s["NAME"]],
        check=True, capture_output=True,
    )


def worker_start(*, broker_url: str, database_url: str, queues: str, log: Path,
                 name: str) -> subprocess.Popen:
    """A real ``celery worker`` process (solo pool) on the given broker and database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
    }
    return subprocess.Popen(  # noqa: S603 - our own worker command
        [sys.executable, "-m", "celery", "-A", "jobcenter", "worker", "--pool", "solo",
         "-Q", queues, "-n", f"{name}@%h", "-l", "info", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def process_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
