"""How long ``manage.py generate_demo_data`` takes, and how much memory it needs.

    .venv/bin/python bench/bench_demo_data.py [--spells 100000] [--repeat 3]
    .venv/bin/python bench/bench_demo_data.py --database-url postgres://postgres@127.0.0.1:5432/

Each repeat starts from nothing: a fresh database (a SQLite file in a temporary
directory, or a throwaway PostgreSQL database created on the given server and dropped
afterwards), migrated in one child process, then the generator run in a second child
process that reports its own wall time and peak resident memory
(``resource.getrusage(RUSAGE_SELF)``), so neither migrating nor this script is counted.

The results go to ``bench/results/demo_data.json``, one entry per database backend
(running one backend keeps the other's entry): the machine, every run and the median.
``docs/performance.md`` summarises them.
"""

import argparse
import datetime
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "demo_data.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CHILD_FLAG,
    django_env,
    machine,
    migrate,
    postgres_database,
)

# -- The child: one timed generator run --------------------------------------------------


def child_run(spells: int, seed: int, today: str) -> None:
    """Runs in a fresh process whose DATABASE_URL points at a migrated, empty database;
    prints one JSON line with what it measured."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from audit.actions import AuditAction
    from audit.models import AuditEvent

    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    call_command(
        "generate_demo_data",
        "--spells",
        str(spells),
        "--seed",
        str(seed),
        "--today",
        today,
        stdout=io.StringIO(),
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    counts = AuditEvent.objects.get(action=AuditAction.DEMO_DATA).details["counts"]
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "rss_after_setup_mib": round(baseline_kib / 1024, 1),
                "counts": counts,
            }
        )
    )


# -- The parent: fresh databases, child processes, the results file --------------------------


def generate(env: dict[str, str], args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            CHILD_FLAG,
            "--spells",
            str(args.spells),
            "--seed",
            str(args.seed),
            "--today",
            args.today,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def one_run(args: argparse.Namespace, number: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        if args.database_url:
            name = f"bench_demo_data_{os.getpid()}_{number}"
            url = postgres_database(args.database_url, name, create=True)
        else:
            name, url = None, f"sqlite:///{tmp}/bench.sqlite3"
        try:
            env = django_env(url, tmp)
            migrate_seconds = migrate(env)
            result = generate(env, args)
            result["migrate_seconds"] = round(migrate_seconds, 2)
            if not args.database_url:
                size = sum(p.stat().st_size for p in Path(tmp).glob("bench.sqlite3*"))
                result["database_mib"] = round(size / 2**20, 1)
        finally:
            if name:
                postgres_database(args.database_url, name, create=False)
    return result


def database_version(args: argparse.Namespace) -> str:
    if not args.database_url:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg2

    parts = urlsplit(args.database_url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return f"PostgreSQL {version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spells", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", default="2026-11-25")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/ "
        "(a throwaway database is created and dropped); default: SQLite in a temp dir",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_run(args.spells, args.seed, args.today)
        return
    if args.spells < 1 or args.repeat < 1:
        parser.error("--spells and --repeat must be at least 1")
    backend = "postgresql" if args.database_url else "sqlite"
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a postgres:// URL")

    runs = []
    for number in range(1, args.repeat + 1):
        result = one_run(args, number)
        runs.append(result)
        print(
            f"{backend} run {number}/{args.repeat}: {args.spells:,} spells in "
            f"{result['seconds']:.1f} s (process {result['process_seconds']:.1f} s), "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB",
            flush=True,
        )
    median = {
        key: round(statistics.median(run[key] for run in runs), 2)
        for key in ("seconds", "process_seconds", "peak_rss_mib", "migrate_seconds")
    }
    median["spells_per_second"] = round(args.spells / median["seconds"])
    entry = {
        "date": datetime.date.today().isoformat(),
        "database": database_version(args),
        "spells": args.spells,
        "seed": args.seed,
        "today": args.today,
        "repeat": args.repeat,
        "counts": runs[-1]["counts"],
        "runs": [{k: v for k, v in run.items() if k != "counts"} for run in runs],
        "median": median,
    }
    existing = {}
    if args.output.exists():
        existing = json.loads(args.output.read_text(encoding="utf-8"))
    results = {
        "benchmark": "generate_demo_data",
        "machine": machine(),
        "backends": {**existing.get("backends", {}), backend: entry},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"median {median['seconds']:.1f} s ({median['spells_per_second']:,} spells/s), "
        f"peak RSS {median['peak_rss_mib']:.0f} MiB -> {args.output}"
    )


if __name__ == "__main__":
    main()
