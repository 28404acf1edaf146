"""What the audit log costs a request, and how fast its chain is verified.

    .venv/bin/python bench/bench_audit.py [--events 1000000] [--transactions 2000]

On a throwaway PostgreSQL database (created, migrated, dropped):

(a) **Recording.** A request-like transaction (``transaction.atomic()`` around reading
    the user with their groups and team, and their jobcenter's setting) is run
    ``--transactions`` times without an event and as many times with one
    ``audit_record(...)`` of an estimate view (citizen id, model version, inputs hash, the
    output shown, details), interleaved so both see the same machine. Twice: as a
    read-only request (so the event's cost includes the commit's WAL flush, which a
    read-only transaction does not pay) and as a request that writes a row anyway (the
    flush is shared; what remains is the event's own statements); then the read-only
    request once more with ``AUDIT_PREPARED_APPEND`` off (the append planned on every
    event). Reported: p50 and p95 of each, the difference of the percentiles, and the
    paired differences.
(b) **Verification.** ``--events`` valid chained events (ten chains, realistic
    content) are generated with their hashes in Python and loaded with ``COPY`` (setup,
    timed separately), with their chain heads; then ``audit.verification.audit_log_verify``
    (the reader and check ``manage.py verify_audit`` uses) is timed, twice.

Each measurement runs in a child process. Results go to ``bench/results/audit.json``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "audit.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CHILD_FLAG,
    DEFAULT_SERVER,
    django_env,
    django_setup,
    machine,
    migrate,
    postgres_database,
    postgres_version,
    run_child,
    say,
    write_results,
)

CHAINS = 10
FIRST_CHAIN = 1001  # clear of the jobcenter made in (a)
COPY_CHUNK = 100_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 3),
        "p95_ms": round(percentile(values, 95) * 1000, 3),
        "p99_ms": round(percentile(values, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
    }


# -- (a) recording -------------------------------------------------------------------------


def child_record(transactions: int) -> dict:
    django_setup()
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from audit.services import audit_record
    from jobcenter.models import Jobcenter, Role, User
    from jobcenter.services import staff_create, team_create

    jobcenter = Jobcenter.objects.create(name="Bench", municipality_code="999", dpo_contact="x")
    team = team_create(jobcenter=jobcenter, name="Team A")
    staff_create(
        username="bench", password="x" * 20, role=Role.CASEWORKER, jobcenter=jobcenter, team=team
    )
    citizen_id = uuid.uuid4()

    def request_like(*, with_event: bool, writes: bool) -> float:
        started = time.perf_counter()
        with transaction.atomic():
            user = User.objects.select_related("team", "jobcenter").get(username="bench")
            # The permission check resolves the user's role (one query for the groups),
            # as every view does before it records anything.
            assert user.role
            Jobcenter.objects.filter(pk=user.jobcenter_id).values("judgement_first").first()
            if writes:  # a request that writes anyway, so its commit flushes the WAL
                User.objects.filter(pk=user.pk).update(last_login=timezone.now())
            if with_event:
                audit_record(
                    action="estimate.view",
                    user=user,
                    citizen_id=citizen_id,
                    object_type="estimate",
                    object_id="12345",
                    model_version_id=7,
                    inputs_hash="ab" * 32,
                    output={"band": "high", "probability": 0.6734, "interval": [0.61, 0.73]},
                    details={"rules": [3, 8, 11], "purpose": "second meeting"},
                )
        return time.perf_counter() - started

    for _ in range(200):  # warm-up: connection, caches, plans
        for with_event in (False, True):
            for writes in (False, True):
                request_like(with_event=with_event, writes=writes)
    results = {"transactions": transactions}
    series = (
        (False, True, "read_only_request"),
        (True, True, "writing_request"),
        # The same read-only request with AUDIT_PREPARED_APPEND off (the statement
        # planned on every event, as behind a pooler in transaction mode): what
        # preparing it once per session saves, measured in this same run.
        (False, False, "read_only_request_unprepared"),
    )
    for writes, prepared, label in series:
        settings.AUDIT_PREPARED_APPEND = prepared
        without, with_event, added = [], [], []
        for _ in range(transactions):
            base = request_like(with_event=False, writes=writes)
            full = request_like(with_event=True, writes=writes)
            without.append(base)
            with_event.append(full)
            added.append(full - base)
        results[label] = {
            "without_event": summary_ms(without),
            "with_event": summary_ms(with_event),
            "added_paired": summary_ms(added),
            "added_p50_ms": round((percentile(with_event, 50) - percentile(without, 50)) * 1e3, 3),
            "added_p95_ms": round((percentile(with_event, 95) - percentile(without, 95)) * 1e3, 3),
        }
    return results


# -- (b) verification ----------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def child_populate(events: int) -> dict:
    django_setup()
    from django.db import connection

    from audit.chain import GENESIS_HASH, canonical_json

    columns = (
        "chain", "sequence", "occurred_at", "action", "user_id", "username", "role", "team",
        "jobcenter_id", "citizen_id", "object_type", "object_id", "model_version_id",
        "inputs_hash", "output", "reason", "flags", "details", "request_id", "ip_address",
        "user_agent", "prev_hash", "hash",
    )  # fmt: skip
    actions = ["citizen.view", "estimate.view", "citizen.search", "judgement.record"]
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    heads = dict.fromkeys(range(FIRST_CHAIN, FIRST_CHAIN + CHAINS), (0, GENESIS_HASH))
    started = time.perf_counter()
    hashing = 0.0
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for n in range(events):
            chain = FIRST_CHAIN + n % CHAINS
            sequence, prev_hash = heads[chain]
            sequence += 1
            action = actions[n % len(actions)]
            citizen = str(uuid.UUID(int=n * 7919 + 1))
            content = {
                "chain": chain,
                "sequence": sequence,
                "occurred_at": (start + datetime.timedelta(microseconds=n * 37_113)).isoformat(),
                "action": action,
                "user_id": None,
                "username": f"sb.team{chain}.{n % 40:02d}",
                "role": "caseworker",
                "team": f"Team {n % 6}",
                "jobcenter_id": chain,
                "citizen_id": citizen,
                "object_type": "estimate" if action == "estimate.view" else "citizen",
                "object_id": str(n),
                "model_version_id": 3 if action == "estimate.view" else None,
                "inputs_hash": hashlib.sha256(citizen.encode()).hexdigest()
                if action == "estimate.view"
                else "",
                "output": {"band": "high", "probability": 0.6734}
                if action == "estimate.view"
                else None,
                "reason": "Opfølgning efter 2. samtale" if n % 5 == 0 else "",
                "flags": ["outside_caseload"] if n % 50 == 0 else [],
                "details": {"kind": "cpr", "hits": 1} if action == "citizen.search" else {},
                "request_id": str(uuid.UUID(int=n + 10**12)),
                "ip_address": f"10.0.{n % 250}.{n % 200 + 1}",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            }
            t0 = time.perf_counter()
            digest = hashlib.sha256(prev_hash.encode("ascii"))
            digest.update(b"\n")
            digest.update(canonical_json(content).encode("utf-8"))
            event_hash = digest.hexdigest()
            hashing += time.perf_counter() - t0
            heads[chain] = (sequence, event_hash)
            row = dict(content, prev_hash=prev_hash, hash=event_hash)
            for name in ("output", "flags", "details"):
                row[name] = None if row[name] is None else json.dumps(row[name])
            buffer.write("\t".join(_copy_text(row[name]) for name in columns) + "\n")
            if (n + 1) % COPY_CHUNK == 0 or n + 1 == events:
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN", buffer
                )
                buffer = io.StringIO()
                say(f"  {n + 1:,} events loaded")
        for chain, (sequence, head_hash) in heads.items():
            cursor.execute(
                "INSERT INTO audit_chainhead (chain, sequence, hash) VALUES (%s, %s, %s)",
                [chain, sequence, head_hash],
            )
        cursor.execute("VACUUM ANALYZE audit_auditevent")
        cursor.execute("SELECT pg_total_relation_size('audit_auditevent')")
        (size,) = cursor.fetchone()
    return {
        "events": events,
        "chains": CHAINS,
        "seconds": round(time.perf_counter() - started, 2),
        "hashing_seconds": round(hashing, 2),
        "table_with_indexes_mib": round(size / 2**20, 1),
    }


def child_verify() -> dict:
    django_setup()
    from audit.verification import audit_log_verify

    runs = []
    for _ in range(2):
        started = time.perf_counter()
        result = audit_log_verify()
        seconds = time.perf_counter() - started
        assert result.ok, result.first_break.describe()
        runs.append(
            {
                "events": result.events,
                "seconds": round(seconds, 2),
                "events_per_second": round(result.events / seconds),
            }
        )
        say(f"  verified {result.events:,} events in {seconds:.1f} s")
    return {"runs": runs, "best_events_per_second": max(r["events_per_second"] for r in runs)}


# -- The parent ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=2_000)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.events > 2_000_000:
        parser.error("at most 2,000,000 events on a shared machine")

    name = f"bench_audit_{os.getpid()}"
    url = postgres_database(args.database_url, name, create=True)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(url, var_dir)
            say(f"Migrating {name} ...")
            migrate(env)
            say(f"(a) {args.transactions} request-like transactions with and without an event")
            record = run_child(__file__, ["record", str(args.transactions)], env)
            for label in (
                "read_only_request",
                "writing_request",
                "read_only_request_unprepared",
            ):
                say(f"    {label}: added p95 {record[label]['added_p95_ms']} ms")
            say(f"(b) {args.events:,} chained events: loading ...")
            populate = run_child(__file__, ["populate", str(args.events)], env)
            say("    verifying ...")
            verify = run_child(__file__, ["verify"], env)
    finally:
        postgres_database(args.database_url, name, create=False)

    results = {
        "benchmark": "audit",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "database": postgres_version(args.database_url)},
        "recording": record,
        "verification": {"setup": populate, **verify},
    }
    write_results(args.output, results)
    say(json.dumps({"recording": record, "verification": verify}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        kind = sys.argv[2]
        if kind == "record":
            output = child_record(int(sys.argv[3]))
        elif kind == "populate":
            output = child_populate(int(sys.argv[3]))
        else:
            output = child_verify()
        print(json.dumps(output))
    else:
        main()
