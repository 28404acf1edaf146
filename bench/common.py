"""What every benchmark script shares: the machine's description, throwaway PostgreSQL
databases, child processes that report JSON, and writing the results file.

Scripts import it as ``bench.common`` after putting the project root on ``sys.path``."""

from __future__ import annotations

import collections
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CHILD_FLAG = "--child"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def machine() -> dict:
    import numpy as np
    import pandas as pd
    import sklearn

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_gib = round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1)
    except (ValueError, OSError):
        memory_gib = None
    return {
        "platform": platform.platform(),
        "cpu_model": model or platform.processor(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit_learn": sklearn.__version__,
    }


def django_env(database_url: str, var_dir: str) -> dict[str, str]:
    """The environment of a child that uses the throwaway database: development settings
    (the demo generator refuses production ones) and no Celery broker, so tasks run
    eagerly in the child instead of waiting for a worker."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="jobcenter.settings.base",
        VAR_DIR=var_dir,
        PYTHONPATH=str(ROOT),
    )
    for name in ("DJANGO_ENV", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    return env


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.base")
    import django

    django.setup()


def postgres_database(server_url: str, name: str, *, create: bool) -> str:
    """Creates (or drops) database ``name`` on the server; returns its URL."""
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_version(server_url: str) -> str:
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return f"PostgreSQL {version}"


def migrate(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def run_child(script: str, arguments: list[str], env: dict[str, str] | None = None) -> dict:
    """Runs ``script --child ...`` and returns the JSON its last output line holds;
    the child's progress lines (stderr) pass through."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, script, CHILD_FLAG, *arguments],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def write_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def timing_summary(times_ms: list[float], queries: list[int]) -> dict:
    """Server times of a page's requests (nearest-rank percentiles) and how many
    requests made each number of queries."""
    ordered = sorted(times_ms)

    def percentile(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2)

    return {
        "requests": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "queries": {str(n): c for n, c in sorted(collections.Counter(queries).items())},
    }
