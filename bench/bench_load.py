"""The load test (issue 14, "Many processes"): many users against gunicorn, in one command.

    .venv/bin/python bench/bench_load.py [--citizens 1000000] [--events 10000000]
        [--caseworkers 200] [--workers 4] [--users 200] [--run-time 5m]
        [--saturation 20,50,100] [--saturation-time 60] [--keep] [--database NAME]

1. **Data** (``bench/load_data.py``): a throwaway PostgreSQL database ``bench_load_<pid>``
   with the demo municipality grown to ``--citizens``, ``--events`` valid chained audit
   events, and the load users. ``--database NAME --users-json FILE`` reuses one kept
   with ``--keep`` instead.
2. **Server**: gunicorn (``-c python:jobcenter.gunicorn_conf``, ``--workers`` workers) on
   127.0.0.1 and a free port, ``DEBUG`` off, two factors off, with the bench-only
   settings ``bench.load_settings`` (the product's URLs plus the bare view).
3. **Warm-up**: ``--warmup-time`` s of citizen pages, two users per worker (not in
   the statistics), so that every worker has imported the views, loaded the model and
   prepared its statements.
4. **Think phase**: headless locust in its own process (``bench/locustfile.py``):
   ``--users`` users (caseworkers 46 : managers 3 : DPO 1), ``between(2, 10)`` s of think
   time between pages; once every user has logged in (each login an Argon2 hash: the
   start is not the steady state) and ``--warmup`` s more have passed, locust's
   statistics are reset and ``--run-time`` is measured: p50/p95/p99 and errors per
   page.
5. **Saturation**: the citizen page and the bare view (``bench/load_views.py``: the
   same SQL and the same audit events, no model instances, no template) with no think
   time, at each number of users in ``--saturation``, alternating: once every user has
   logged in and ``--warmup`` s more have passed, the page's requests are counted for
   ``--saturation-time`` s and the run stops; requests per second, ratio ours / bare.
6. **Audit**: after gunicorn has stopped, the chain is verified
   (``audit.verification.audit_log_verify``, as ``manage.py verify_audit``) and the
   events written during the run (id above the largest before it) are compared, by
   action and by request id, with what locust counted.
7. ``--output`` (``bench/results/load.json``): ``think``, ``saturation``, ``audit``, the
   machine, the date, the parameters and the targets (think p95 under 150 ms on every
   page, ratio at least 0.70), met or not; ``details`` holds the rest. The database is
   dropped unless ``--keep``.

Every request goes to 127.0.0.1; every locust run is bounded by its run time (and the
process by a hard timeout); gunicorn is stopped whatever happens.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT_DIR = Path(__file__).resolve().parent.parent
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from bench import load_data  # noqa: E402
from bench.common import (  # noqa: E402
    CHILD_FLAG,
    DEFAULT_SERVER,
    ROOT,
    django_env,
    django_setup,
    machine,
    postgres_database,
    postgres_version,
    run_child,
    say,
    write_results,
)

RESULTS = ROOT / "bench" / "results" / "load.json"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
BIN = Path(sys.executable).parent
TARGET_THINK_P95_MS = 150
TARGET_RATIO = 0.70
HOST = "127.0.0.1"


# -- The server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(env: dict[str, str], port: int, workers: int) -> dict[str, str]:
    return env | {
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DEBUG": "0",
        "TWO_FACTOR_REQUIRED": "false",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING",
    }


def gunicorn_start(env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:jobcenter.gunicorn_conf",
            "jobcenter.wsgi:application",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one
    )
    handle.close()
    return process


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=5) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz in time")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # gunicorn's graceful stop
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# -- Locust ------------------------------------------------------------------------------


def seconds_of(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    total, number = 0, ""
    for char in run_time.strip():
        if char.isdigit():
            number += char
        else:
            total += int(number) * units[char]
            number = ""
    return total + (int(number) if number else 0)


def locust_run(
    *,
    mode: str,
    port: int,
    users: int,
    spawn_rate: float,
    run_time: str,
    work: Path,
    label: str,
    users_json: Path,
    seed: int,
    warmup: float = 0,
    measure: float = 0,
) -> dict:
    """One headless locust run in its own process; its CSV statistics and the counts
    the locustfile wrote."""
    prefix = work / label
    counts = work / f"{label}-counts.json"
    env = dict(os.environ) | {
        "LOAD_MODE": mode,
        "LOAD_USERS_JSON": str(users_json),
        "LOAD_COUNTS_JSON": str(counts),
        "LOAD_SEED": str(seed),
        "LOAD_WARMUP_SECONDS": str(warmup),
        "LOAD_MEASURE_SECONDS": str(measure),
        "LOAD_USERS": str(users),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(BIN / "locust"),
        "-f", str(LOCUSTFILE),
        "--headless",
        "--host", f"http://{HOST}:{port}",
        "--users", str(users),
        "--spawn-rate", str(spawn_rate),
        "--run-time", run_time,
        "--stop-timeout", "30",
        "--csv", str(prefix),
        "--only-summary",
        "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    say(f"  locust {label}: {users} users, {run_time}")
    with (work / f"{label}.log").open("w") as log:
        subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=seconds_of(run_time) + 120,
        )
    # The statistics the locustfile took from locust's own at the test's end, after
    # the users stopped (the CSV files stay in the work directory, for reading).
    result = json.loads(counts.read_text())
    return {"stats": result.pop("stats"), "counts": result}


# -- After the run -----------------------------------------------------------------------


def audit_max_id(database_url: str) -> int:
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent")
        (top,) = cursor.fetchone()
    connection.close()
    return top


def child_audit(after_id: int, counts_paths: list[str]) -> dict:
    """Verifies the chain; compares the run's events with what locust counted."""
    django_setup()
    from django.db import connection

    from audit.verification import audit_log_verify

    expected: dict[str, int] = {}
    expected_ids: dict[str, set[str]] = {}
    for path in counts_paths:
        counts = json.loads(Path(path).read_text())
        for action, ids in counts["request_ids"].items():
            expected[action] = expected.get(action, 0) + len(ids)
            expected_ids.setdefault(action, set()).update(i for i in ids if i)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, count(*) FROM audit_auditevent WHERE id > %s GROUP BY action",
            [after_id],
        )
        written = dict(cursor.fetchall())
        cursor.execute(
            "SELECT action, request_id::text FROM audit_auditevent WHERE id > %s", [after_id]
        )
        written_ids: dict[str, set[str]] = {}
        for action, request_id in cursor:
            written_ids.setdefault(action, set()).add(request_id or "")
    started = time.perf_counter()
    result = audit_log_verify()
    seconds = time.perf_counter() - started
    by_action = {}
    for action in sorted(set(expected) | set(written)):
        wanted, got = expected_ids.get(action, set()), written_ids.get(action, set())
        by_action[action] = {
            "requests": expected.get(action, 0),
            "events": written.get(action, 0),
            "request_ids_without_event": len(wanted - got),
            "events_without_counted_request": len(got - wanted),
        }
    return {
        "requests": sum(expected.values()),
        "events": sum(written.values()),
        "verified": bool(result.ok),
        "verified_events": result.events,
        "verify_seconds": round(seconds, 2),
        "first_break": None if result.ok else result.first_break.describe(),
        "by_action": by_action,
        "match": all(
            v["requests"] == v["events"]
            and not v["request_ids_without_event"]
            and not v["events_without_counted_request"]
            for v in by_action.values()
        ),
    }


# -- The runner --------------------------------------------------------------------------


def think_summary(stats: dict[str, dict]) -> dict:
    return {
        name: {
            "p50_ms": s["p50_ms"],
            "p95_ms": s["p95_ms"],
            "p99_ms": s["p99_ms"],
            "errors": s["failures"],
        }
        for name, s in sorted(stats.items())
        if name != "all" and s["requests"]  # the logins came before the window
    }


def run(args, database_url: str, users_json: Path, work: Path, env: dict) -> dict:
    port = free_port()
    senv = server_env(env, port, args.workers)
    before = audit_max_id(database_url)
    say(f"gunicorn: {args.workers} workers on {HOST}:{port}; audit events up to id {before}")
    server = gunicorn_start(senv, work / "gunicorn.log")
    runs: dict[str, dict] = {}
    try:
        wait_healthy(port, server)
        common = {"port": port, "work": work, "users_json": users_json, "seed": args.seed}
        # Each worker imports the views, loads the model and prepares its statements
        # on its first requests: a short run warms them (its events are counted too).
        say("warm-up")
        runs["warmup"] = locust_run(
            mode="ours",
            users=args.workers * 2,
            spawn_rate=args.workers * 2,
            run_time=f"{args.warmup_time + args.login_allowance}s",
            label="warmup",
            warmup=0,
            measure=args.warmup_time,
            **common,
        )
        say("think phase")
        measure = seconds_of(args.run_time)
        runs["think"] = locust_run(
            mode="think",
            users=args.users,
            spawn_rate=args.spawn_rate,
            # The run stops itself after the logins, the warm-up and the measured
            # window; this is only the hard limit.
            run_time=f"{int(args.warmup + measure + args.login_allowance)}s",
            label="think",
            warmup=args.warmup,
            measure=measure,
            **common,
        )
        say("saturation")
        for users in args.saturation:
            for mode in ("ours", "bare"):
                # The run stops itself after the logins, the warm-up and the measured
                # window; the run time is only the hard limit.
                limit = args.warmup + args.saturation_time + args.login_allowance
                runs[f"{mode}-{users}"] = locust_run(
                    mode=mode,
                    users=users,
                    spawn_rate=users,
                    run_time=f"{int(limit)}s",
                    label=f"{mode}-{users}",
                    warmup=args.warmup,
                    measure=args.saturation_time,
                    **common,
                )
                throughput = runs[f"{mode}-{users}"]["counts"].get("throughput") or {}
                say(
                    f"    {mode} at {users}: {throughput.get('rps')} requests/s, p95 "
                    f"{throughput.get('p95_ms')} ms (logins took "
                    f"{throughput.get('login_seconds')} s)"
                )
    finally:
        gunicorn_stop(server)
    say("verifying the audit log")
    counts = [str(work / f"{label}-counts.json") for label in runs]
    audit = run_child(
        str(Path(__file__).resolve()),
        ["audit", "--after-id", str(before), "--counts", *counts],
        env,
    )
    return {"runs": runs, "audit": audit, "port": port}


def _rps(run_result: dict) -> float | None:
    """Requests per second in the measured window; none for a run cut off before it
    ended (the logins took longer than the allowance)."""
    throughput = run_result["counts"].get("throughput") or {}
    return throughput.get("rps") if throughput.get("complete") else None


def results_of(args, outcome: dict, setup: dict | None, database: str) -> dict:
    runs = outcome["runs"]
    think = think_summary(runs["think"]["stats"])
    saturation = {}
    for users in args.saturation:
        ours = _rps(runs[f"ours-{users}"])
        bare = _rps(runs[f"bare-{users}"])
        saturation[str(users)] = {
            "ours_rps": ours,
            "bare_rps": bare,
            "ratio": round(ours / bare, 3) if ours and bare else None,
        }
    audit = outcome["audit"]
    over = sorted(name for name, page in think.items() if page["p95_ms"] >= TARGET_THINK_P95_MS)
    below = sorted(
        users for users, s in saturation.items() if s["ratio"] is None or s["ratio"] < TARGET_RATIO
    )
    return {
        "benchmark": "load",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine() | {"database": postgres_version(args.server)},
        "parameters": {
            "citizens": args.citizens,
            "events": args.events,
            "caseworkers": args.caseworkers,
            "managers": args.managers,
            "dpos": args.dpos,
            "workers": args.workers,
            "users": args.users,
            "spawn_rate": args.spawn_rate,
            "run_time": args.run_time,
            "think_time_s": [2, 10],
            "user_weights": {"caseworker": 46, "manager": 3, "dpo": 1},
            "saturation_users": args.saturation,
            "saturation_seconds": args.saturation_time,
            "saturation_warmup_seconds": args.warmup,
            "login_allowance_seconds": args.login_allowance,
            "warmup_seconds": args.warmup_time,
            "seed": args.seed,
            "database": database,
        },
        "think": think,
        "saturation": saturation,
        "audit": {
            "requests": audit["requests"],
            "events": audit["events"],
            "verified": audit["verified"],
        },
        "targets": {
            "think_p95_ms": {
                "limit": TARGET_THINK_P95_MS,
                "met": not over and bool(think),
                "pages_over": over,
            },
            "saturation_ratio": {
                "limit": TARGET_RATIO,
                "met": not below and bool(saturation),
                "below_at_users": below,
            },
            "audit_matches": audit["match"] and audit["verified"],
        },
        "details": {
            "setup": setup,
            "think_requests": {
                name: {"requests": s["requests"], "failures": s["failures"], "rps": s["rps"]}
                for name, s in runs["think"]["stats"].items()
            },
            "think_window": runs["think"]["counts"].get("window"),
            "think_before_window": runs["think"]["counts"].get("before_window"),
            "saturation_runs": {
                label: {
                    "measured": r["counts"].get("throughput"),
                    "locust_window": r["stats"],
                }
                for label, r in runs.items()
                if label not in ("think", "warmup")
            },
            "audit": audit,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load_data.add_arguments(parser)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument(
        "--saturation",
        type=lambda text: [int(n) for n in text.split(",") if n],
        default=[20, 50, 100],
    )
    parser.add_argument("--saturation-time", type=int, default=60, help="measured seconds per run")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds after the logins, not counted"
    )
    parser.add_argument(
        "--login-allowance",
        type=int,
        default=180,
        help="longest the logins of a saturation run may take before it is cut off",
    )
    parser.add_argument(
        "--warmup-time", type=int, default=20, help="seconds of citizen pages before it all"
    )
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--database", help="reuse this kept database (with --users-json)")
    parser.add_argument("--users-json", type=Path, help="the kept database's users file")
    parser.add_argument("--keep", action="store_true", help="keep the database (and users file)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, choices=["audit"])
    parser.add_argument("--after-id", type=int)
    parser.add_argument("--counts", nargs="*")
    args = parser.parse_args()
    if args.child == "audit":
        print(json.dumps(child_audit(args.after_id, args.counts)))
        return
    if args.database and not args.users_json:
        parser.error("--database needs the --users-json its fill wrote")
    if args.database and not args.database.startswith("bench_load"):
        parser.error("only databases named bench_load* are used")

    started = time.perf_counter()
    name = args.database or f"bench_load_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        setup = None
        if args.database:
            database_url = urlunsplit(urlsplit(args.server)._replace(path=f"/{name}"))
            users_json = args.users_json
        else:
            database_url = postgres_database(args.server, name, create=True)
            users_json = (
                Path(tempfile.gettempdir()) / f"{name}-users.json"
                if args.keep
                else work / "users.json"
            )
        try:
            env = django_env(database_url, str(work))
            if not args.database:
                say(f"filling {name}: {args.citizens:,} citizens, {args.events:,} events")
                setup = load_data.fill(
                    database_url=database_url,
                    var_dir=str(work),
                    users_json=users_json,
                    citizens=args.citizens,
                    events=args.events,
                    caseworkers=args.caseworkers,
                    managers=args.managers,
                    dpos=args.dpos,
                    seed=args.seed,
                )
                say(f"  filled in {setup['process_seconds']:.0f} s")
            outcome = run(args, database_url, users_json, work, env)
        finally:
            if args.keep or args.database:
                say(f"kept database {name} (users: {users_json})")
            else:
                postgres_database(args.server, name, create=False)
    results = results_of(args, outcome, setup, name)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    write_results(args.output, results)
    say(json.dumps({k: results[k] for k in ("think", "saturation", "audit", "targets")}, indent=2))
    say(f"written: {args.output}")


if __name__ == "__main__":
    main()
