"""The managers' cockpit on PostgreSQL with 1,000,000 spells and 10,000,000 audit events.

    .venv/bin/python bench/bench_cockpit.py [--spells 1000000] [--events 10000000]

On a throwaway PostgreSQL database (created on the server, dropped afterwards):

1. *Setup, not timed as a measurement.* The demo municipality (``demo_setup --spells
   20000``): citizens, spells, snapshots, outcomes, a first model trained, approved and
   activated, and the demo's two years of use (``casework.demo.usage``: estimates of the
   active version, judgements agreeing, disagreeing with a reason or made before the
   estimate was shown, objections, corrections). Then, in SQL, every spell that has an
   estimate of the active version (the spells of the two years of use, open and closed)
   is copied until at least ``--spells`` spells exist. Each copy gets a new citizen (a
   new id and keyed CPR hash, the same encrypted CPR number), a new spell id and
   external id, and copies of the original's snapshots (the original and its
   corrections), estimates, judgements (pointing at the copied snapshot and estimate),
   outcome and the citizen's objections; dates, teams and benefit types stay, so the
   months, bands and categories keep the demo's proportions. Meetings and team access
   grants are not copied (the cockpit reads neither).
   Then ``--events`` audit events are inserted in SQL (``generate_series``), spread
   evenly over the last 730 days, by the demo's caseworkers with their team's name and
   the jobcenter's id: 40 % ``citizen.view`` of a random citizen, 0.1 % break-the-glass,
   the rest estimate views, searches, caseload views, judgements and logins. The hashes
   do not chain (this measures reads). Secondary indexes are dropped for the insert and
   built again; ``VACUUM ANALYZE`` and a ``CHECKPOINT`` follow.
2. *The summary task, each repeat in a fresh child process*: ``manage.py
   cockpit_summary`` (every month) ``--repeat`` times, then ``cockpit_summary --month``
   of the last full month ``--repeat`` times; wall time around ``call_command`` and the
   child's peak RSS. One more full run under cProfile gives where its time goes.
3. *The page, in a fresh child process*, with ``DEBUG`` off: the demo ``manager``
   logged in with the test ``Client`` (``force_login``); after warm-up, ``--requests``
   requests each of ``/cockpit/`` unfiltered, filtered by a team, by a benefit type and
   by a period (the last six months); then ``--requests-small`` requests of each chart
   SVG and of each table's CSV. Server time is the wall time around ``client.get``;
   ``CaptureQueriesContext`` counts the queries. The slowest variant's page is profiled
   with cProfile, and its statements are explained (``EXPLAIN ANALYZE``).

Results go to ``bench/results/cockpit.json``; ``docs/performance.md`` summarises them.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime
import io
import json
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from bench.common import (  # noqa: E402
    CHILD_FLAG,
    DEFAULT_SERVER,
    ROOT,
    django_env,
    django_setup,
    machine,
    migrate,
    peak_rss_mib,
    postgres_database,
    postgres_version,
    run_child,
    say,
    write_results,
)

RESULTS = ROOT / "bench" / "results" / "cockpit.json"
DEMO_SPELLS = 20_000
SEED = 2026
PERIOD_DAYS = 730
COPIES_PER_TRANSACTION = 10
TARGET_PAGE_P95_MS = 300
TARGET_SUMMARY_SECONDS = 120
DEMO_MANAGER = "manager"

# (action, share of events, about a citizen?)
ACTIONS = [
    ("citizen.view", 0.40, True),
    ("estimate.view", 0.22, True),
    ("judgement.record", 0.06, True),
    ("judgement.disagree", 0.02, True),
    ("access.break_glass", 0.001, True),
    ("citizen.search", 0.14, False),
    ("caseload.view", 0.10, False),
    ("auth.login", 0.035, False),
    ("auth.logout", 0.024, False),
]


# -- Setup ----------------------------------------------------------------------------------

COPY_SQL = """
CREATE TEMP TABLE citizen_map ON COMMIT DROP AS
    SELECT k, o.citizen_id AS old_id, gen_random_uuid() AS new_id
    FROM (SELECT DISTINCT citizen_id FROM originals) AS o
    CROSS JOIN generate_series(%(first)s, %(last)s) AS k;

INSERT INTO casework_citizen (id, jobcenter_id, cpr_encrypted, cpr_hash, name, birth_date,
                              gender, postal_code, citizenship, created_at)
SELECT m.new_id, c.jobcenter_id, c.cpr_encrypted, md5(m.new_id::text), c.name, c.birth_date,
       c.gender, c.postal_code, c.citizenship, c.created_at
FROM citizen_map m JOIN casework_citizen c ON c.id = m.old_id;

CREATE TEMP TABLE spell_map ON COMMIT DROP AS
    SELECT m.k, o.spell_id AS old_id, gen_random_uuid() AS new_id, m.new_id AS citizen_id
    FROM originals o JOIN citizen_map m ON m.old_id = o.citizen_id;

INSERT INTO casework_spell (id, external_id, jobcenter_id, citizen_id, team_id, caseworker_id,
                            benefit_type, start_date, end_date)
SELECT m.new_id, s.external_id || '-c' || m.k, s.jobcenter_id, m.citizen_id, s.team_id,
       s.caseworker_id, s.benefit_type, s.start_date, s.end_date
FROM spell_map m JOIN casework_spell s ON s.id = m.old_id;

INSERT INTO casework_outcome (spell_id, unemployed_12m, observed_on, source)
SELECT m.new_id, o.unemployed_12m, o.observed_on, o.source
FROM spell_map m JOIN casework_outcome o ON o.spell_id = m.old_id;

CREATE TEMP TABLE snapshot_map ON COMMIT DROP AS
    SELECT a.id AS old_id,
           nextval(pg_get_serial_sequence('casework_assessmentsnapshot', 'id')) AS new_id,
           m.new_id AS spell_id
    FROM spell_map m JOIN casework_assessmentsnapshot a ON a.spell_id = m.old_id;

INSERT INTO casework_assessmentsnapshot (id, spell_id, specification_id, as_of, "values",
                                         corrects_id, correction_reason, created_by_id,
                                         created_at)
SELECT m.new_id, m.spell_id, a.specification_id, a.as_of, a."values", c.new_id,
       a.correction_reason, a.created_by_id, a.created_at
FROM snapshot_map m JOIN casework_assessmentsnapshot a ON a.id = m.old_id
LEFT JOIN snapshot_map c ON c.old_id = a.corrects_id AND c.spell_id = m.spell_id;

CREATE TEMP TABLE estimate_map ON COMMIT DROP AS
    SELECT e.id AS old_id,
           nextval(pg_get_serial_sequence('casework_estimate', 'id')) AS new_id,
           m.new_id AS snapshot_id, m.spell_id
    FROM snapshot_map m JOIN casework_estimate e ON e.snapshot_id = m.old_id;

INSERT INTO casework_estimate (id, snapshot_id, spell_id, model_version_id, probability, band,
                               leaf_id, missing_inputs, computed_at)
SELECT m.new_id, m.snapshot_id, m.spell_id, e.model_version_id, e.probability, e.band,
       e.leaf_id, e.missing_inputs, e.computed_at
FROM estimate_map m JOIN casework_estimate e ON e.id = m.old_id;

INSERT INTO casework_judgement (jobcenter_id, spell_id, snapshot_id, estimate_id,
                                caseworker_id, risk_band, agreement, reason_category,
                                reason_text, next_step, supersedes_id, created_at)
SELECT j.jobcenter_id, s.new_id, a.new_id, e.new_id, j.caseworker_id, j.risk_band,
       j.agreement, j.reason_category, j.reason_text, j.next_step, NULL, j.created_at
FROM spell_map s JOIN casework_judgement j ON j.spell_id = s.old_id
JOIN snapshot_map a ON a.old_id = j.snapshot_id AND a.spell_id = s.new_id
LEFT JOIN estimate_map e ON e.old_id = j.estimate_id AND e.spell_id = s.new_id;

INSERT INTO casework_objection (jobcenter_id, citizen_id, received_on, channel, note,
                                recorded_by_id, recorded_at, withdrawn_at, withdrawn_by_id)
SELECT o.jobcenter_id, m.new_id, o.received_on, o.channel, o.note, o.recorded_by_id,
       o.recorded_at, o.withdrawn_at, o.withdrawn_by_id
FROM citizen_map m JOIN casework_objection o ON o.citizen_id = m.old_id;
"""

TABLES = [
    "casework_citizen",
    "casework_spell",
    "casework_outcome",
    "casework_assessmentsnapshot",
    "casework_estimate",
    "casework_judgement",
    "casework_objection",
    "audit_auditevent",
]


def _action_case_sql() -> str:
    """A CASE on a uniform random number ``r`` that picks an action by its share."""
    total = sum(share for _, share, _ in ACTIONS)
    parts, bound = [], 0.0
    for action, share, _ in ACTIONS[:-1]:
        bound += share / total
        parts.append(f"WHEN r < {bound:.6f} THEN '{action}'")
    return "CASE " + " ".join(parts) + f" ELSE '{ACTIONS[-1][0]}' END"


EVENTS_SQL = """
INSERT INTO audit_auditevent
    (chain, sequence, occurred_at, action, user_id, username, role, team, jobcenter_id,
     citizen_id, object_type, object_id, model_version_id, inputs_hash, output, reason,
     flags, details, request_id, ip_address, user_agent, prev_hash, hash)
SELECT %(jc)s, %(offset)s + g, ts, action, st.user_id, st.username, 'caseworker',
       st.team, %(jc)s,
       CASE WHEN action IN ({about_citizen}) THEN ci.id END,
       '', '', NULL, '', NULL, '',
       CASE WHEN action = 'access.break_glass' THEN '["break_glass"]'::jsonb
            ELSE '[]'::jsonb END,
       '{{}}'::jsonb, NULL, NULL, '',
       md5('p' || g) || md5('q' || g), md5('h' || g) || md5('i' || g)
FROM (
    SELECT g,
           %(start)s::timestamptz
               + (g::double precision / %(events)s) * INTERVAL '{days} days' AS ts,
           1 + abs(hashtext('u' || g)::bigint) %% %(staff)s AS u,
           1 + abs(hashtext('c' || g)::bigint) %% %(citizens)s AS c,
           ({action_case}) AS action
    FROM (
        SELECT g, (abs(hashtext('a' || g)::bigint) %% 1000000) / 1000000.0 AS r
        FROM generate_series(%(first)s, %(last)s) AS g
    ) AS numbers
) AS drawn
JOIN bench_staff st ON st.i = drawn.u
JOIN bench_citizens ci ON ci.i = drawn.c
"""


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        counts[table.split("_", 1)[1]] = cursor.fetchone()[0]
    return counts


def _fill_events(cursor, events: int) -> dict:
    from django.utils import timezone

    from audit.models import ChainHead
    from jobcenter.models import Jobcenter, Role, User

    jobcenter = Jobcenter.objects.get()
    staff = list(
        User.objects.filter(
            jobcenter=jobcenter, groups__name=Role.CASEWORKER.value, team__isnull=False
        )
        .order_by("id")
        .values_list("id", "username", "team__name")
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_staff (i int PRIMARY KEY, user_id bigint, "
        "username text, team text)"
    )
    cursor.executemany(
        "INSERT INTO bench_staff VALUES (%s, %s, %s, %s)",
        [(i + 1, *row) for i, row in enumerate(staff)],
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_citizens AS "
        "SELECT (row_number() OVER ())::int AS i, id FROM casework_citizen"
    )
    cursor.execute("ALTER TABLE bench_citizens ADD PRIMARY KEY (i)")
    cursor.execute("SELECT count(*) FROM bench_citizens")
    citizens = cursor.fetchone()[0]
    cursor.execute("ANALYZE bench_citizens")

    cursor.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'audit_auditevent' AND indexname NOT IN (
            SELECT conname FROM pg_constraint WHERE conrelid = 'audit_auditevent'::regclass)
        """
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    offset = ChainHead.objects.get(chain=jobcenter.pk).sequence
    about_citizen = ", ".join(f"'{a}'" for a, _, c in ACTIONS if c)
    sql = EVENTS_SQL.format(
        about_citizen=about_citizen, days=PERIOD_DAYS, action_case=_action_case_sql()
    )
    start = timezone.now() - datetime.timedelta(days=PERIOD_DAYS)
    started = time.perf_counter()
    step = 2_000_000
    for first in range(1, events + 1, step):
        last = min(events, first + step - 1)
        cursor.execute(
            sql,
            {
                "jc": jobcenter.pk,
                "offset": offset,
                "start": start,
                "events": events,
                "staff": len(staff),
                "citizens": citizens,
                "first": first,
                "last": last,
            },
        )
        say(f"  events {last:,}/{events:,} ({time.perf_counter() - started:.0f} s)")
    insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '512MB'")
    for _, definition in indexes:
        cursor.execute(definition)
    index_seconds = time.perf_counter() - started
    cursor.execute(
        "UPDATE audit_chainhead SET sequence = %s, hash = md5('h' || %s) || md5('i' || %s) "
        "WHERE chain = %s",
        [offset + events, events, events, jobcenter.pk],
    )
    return {
        "staff": len(staff),
        "citizens_drawn_from": citizens,
        "insert_seconds": round(insert_seconds, 1),
        "index_build_seconds": round(index_seconds, 1),
    }


def child_populate(spells: int, events: int) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from prediction.models import ModelStatus, ModelVersion

    started = time.perf_counter()
    call_command(
        "demo_setup", "--spells", str(DEMO_SPELLS), "--seed", str(SEED), stdout=io.StringIO()
    )
    demo_seconds = time.perf_counter() - started
    version = ModelVersion.objects.get(status=ModelStatus.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_spell")
        demo_spells = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TABLE originals AS SELECT DISTINCT s.id AS spell_id, s.citizen_id "
            "FROM casework_spell s JOIN casework_estimate e ON e.spell_id = s.id "
            "WHERE e.model_version_id = %s",
            [version.pk],
        )
        cursor.execute("SELECT count(*) FROM originals")
        used = cursor.fetchone()[0]
        cursor.execute("SET synchronous_commit TO off")
    copies = max(0, math.ceil((spells - demo_spells) / used))
    say(
        f"  demo: {demo_spells:,} spells in {demo_seconds:.0f} s, {used:,} of them estimated; "
        f"{copies} copies of each of those"
    )
    started = time.perf_counter()
    for first in range(1, copies + 1, COPIES_PER_TRANSACTION):
        last = min(copies, first + COPIES_PER_TRANSACTION - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COPY_SQL, {"first": first, "last": last})
        say(f"  copies {last}/{copies} ({time.perf_counter() - started:.0f} s)")
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE originals")
        cursor.execute("ANALYZE")
        audit = _fill_events(cursor, events)
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        # Write the loaded pages out now, so that the measurements do not wait for a
        # checkpoint of gigabytes of freshly loaded data.
        cursor.execute("CHECKPOINT")
        vacuum_seconds = time.perf_counter() - started
        counts = _counts(cursor)
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {
        "demo_setup_seconds": round(demo_seconds, 1),
        "spells_in_demo": demo_spells,
        "estimated_spells_in_demo": used,
        "copies_of_each": copies,
        "copy_seconds": round(copy_seconds, 1),
        "audit": audit,
        "vacuum_analyze_checkpoint_seconds": round(vacuum_seconds, 1),
        "rows": counts,
        "database_gib": round(size / 2**30, 2),
    }


# -- The summary task --------------------------------------------------------------------------


def last_full_month() -> datetime.date:
    return (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def child_summary(month: str | None, profile: bool) -> dict:
    django_setup()
    from django.core.management import call_command

    from cockpit.models import SummaryCell, SummaryRun

    arguments = ["cockpit_summary", *(["--month", month] if month else [])]
    out = io.StringIO()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    call_command(*arguments, stdout=out)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    run = SummaryRun.objects.order_by("-id").first()
    result = {
        "month": month,
        "seconds": round(seconds, 2),
        "peak_rss_mib": peak_rss_mib(),
        "state": run.state,
        "output": out.getvalue().strip(),
        "cells": SummaryCell.objects.count(),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "months": len(run.reports.get("months") or []),
    }
    if profiler:
        result["profile"] = _profile_lines(profiler, 45)
    return result


def _profile_lines(profiler, limit: int) -> list[str]:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(limit)
    lines = [line.rstrip() for line in text.getvalue().splitlines() if line.strip()]
    return [line.replace(str(ROOT) + "/", "") for line in lines]


# -- The page ---------------------------------------------------------------------------------


def _summary(times_ms: list[float], queries: list[int]) -> dict:
    ordered = sorted(times_ms)

    def percentile(p: float) -> float:  # nearest rank
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)

    return {
        "requests": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "max_ms": round(ordered[-1], 1),
        "queries": {str(n): c for n, c in sorted(collections.Counter(queries).items())},
    }


def child_page(requests: int, requests_small: int) -> dict:
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cockpit.models import SummaryCell, SummaryRun
    from cockpit.selectors import Filters, cockpit_data_for_user
    from cockpit.tables import all_tables
    from jobcenter.models import User

    assert not settings.DEBUG, "measure with DEBUG off"
    user = User.objects.get(username=DEMO_MANAGER)
    run = (
        SummaryRun.objects.filter(state=SummaryRun.State.SUCCEEDED).order_by("-finished_at").first()
    )
    months = run.reports["months"]
    team = run.reports["teams"]["shown"][0]
    client = Client()
    client.force_login(user)
    index = reverse("cockpit:index")
    variants = {
        "default": {},
        "team": {"team": str(team)},
        "benefit": {"benefit": "dagpenge"},
        "period_6_months": {"first": months[-6], "last": months[-1]},
    }

    def timed(url: str, data: dict) -> tuple[float, int, object]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, data)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} {data}: HTTP {response.status_code}")
        return elapsed, len(captured), response

    pages = {}
    load = {"before": round(os.getloadavg()[0], 2)}
    for label, data in variants.items():
        for _ in range(5):  # warm-up: templates, translations, the first connection
            timed(index, data)
        times, queries = [], []
        for _ in range(requests):
            elapsed, count, response = timed(index, data)
            times.append(elapsed)
            queries.append(count)
        pages[label] = _summary(times, queries) | {
            "query": data,
            "bytes": len(response.content),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        }
        say(
            f"  page {label}: median {pages[label]['median_ms']} ms, "
            f"p95 {pages[label]['p95_ms']} ms, queries {pages[label]['queries']}"
        )

    tables = all_tables(cockpit_data_for_user(user=user, filters=Filters()))
    charts, csvs = {}, {}
    for key, table in tables.items():
        for kind, store, url in (
            ("chart", charts, reverse("cockpit:chart", args=[key])),
            ("csv", csvs, reverse("cockpit:table_csv", args=[key])),
        ):
            if kind == "chart" and table.chart is None:
                continue
            timed(url, {})
            times, queries = [], []
            for _ in range(requests_small):
                elapsed, count, _response = timed(url, {})
                times.append(elapsed)
                queries.append(count)
            store[key] = _summary(times, queries)
    say(f"  charts p95: {[(k, v['p95_ms']) for k, v in charts.items()]}")
    say(f"  CSV p95: {[(k, v['p95_ms']) for k, v in csvs.items()]}")

    # Where the time of the slowest variant goes: cProfile of 20 requests, and the plans.
    slowest = max(pages, key=lambda label: pages[label]["p95_ms"])
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        timed(index, variants[slowest])
    profiler.disable()
    with CaptureQueriesContext(connection) as captured:
        client.get(index, variants[slowest])
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            rows = [r[0] for r in cursor.fetchall()]
            plans.append(
                {
                    "sql": sql[:400],
                    "client_ms": float(query["time"]) * 1000,
                    "execution": rows[-1],
                    "plan": rows[:-2][:12],
                }
            )
    cells = SummaryCell.objects.filter(jobcenter_id=user.jobcenter_id)
    return {
        "manager": user.username,
        "summary_cells": cells.count(),
        "cells_read_default": cells.filter(scope="total", benefit_type="").count(),
        "months": len(months),
        "pages": pages,
        "charts": charts,
        "csv": csvs,
        "load_average_1m": load | {"after": round(os.getloadavg()[0], 2)},
        "profile_variant": slowest,
        "profile_20_requests": _profile_lines(profiler, 45),
        "plans": plans,
        "peak_rss_mib": peak_rss_mib(),
    }


# -- Driver -----------------------------------------------------------------------------------


def _page(script: str, env: dict, args: argparse.Namespace) -> dict:
    page_env = env | {"DEBUG": "0", "ALLOWED_HOSTS": "testserver,localhost"}
    arguments = ["--requests", str(args.requests), "--requests-small", str(args.requests_small)]
    return run_child(script, ["page", *arguments], page_env)


def _page_into_results(path: Path, page: dict) -> None:
    """A page measurement again on the kept database, replacing the page's figures of
    the results file (the earlier ones stay under ``page_earlier``)."""
    results = json.loads(path.read_text(encoding="utf-8"))
    results.setdefault("page_earlier", []).append(results["page"])
    p95 = {label: entry["p95_ms"] for label, entry in page["pages"].items()}
    results.update(page=page, page_p95_ms=p95, page_date=datetime.date.today().isoformat())
    results["meets_targets"]["page"] = all(v < TARGET_PAGE_P95_MS for v in p95.values())
    write_results(path, results)
    say(f"page p95 {p95} ms; written: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spells", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="summary runs of each kind")
    parser.add_argument("--requests", type=int, default=100, help="per page variant")
    parser.add_argument("--requests-small", type=int, default=30, help="per chart / CSV")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--database", help="measure an existing database (kept) instead")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--page-only",
        action="store_true",
        help="with --database: measure only the page again, into the existing results file",
    )
    parser.add_argument("--month")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(CHILD_FLAG, choices=["populate", "summary", "page"])
    args = parser.parse_args()

    if args.child == "populate":
        print(json.dumps(child_populate(args.spells, args.events)))
        return
    if args.child == "summary":
        print(json.dumps(child_summary(args.month, args.profile)))
        return
    if args.child == "page":
        print(json.dumps(child_page(args.requests, args.requests_small)))
        return

    script = str(Path(__file__).resolve())
    started = time.perf_counter()
    name = args.database or f"bench_cockpit_{os.getpid()}"
    if args.database:
        from urllib.parse import urlsplit, urlunsplit

        database_url = urlunsplit(urlsplit(args.server)._replace(path=f"/{name}"))
    else:
        database_url = postgres_database(args.server, name, create=True)
    month = last_full_month().strftime("%Y-%m")
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(database_url, var_dir)
            setup = None
            if not args.database:
                say(f"migrating {name}")
                migrate(env)
                say(
                    f"populating: demo ({DEMO_SPELLS:,} spells), copies to {args.spells:,} "
                    f"spells, {args.events:,} audit events"
                )
                setup = run_child(
                    script,
                    ["populate", "--spells", str(args.spells), "--events", str(args.events)],
                    env,
                )
                say(f"  {json.dumps(setup)}")
            if args.page_only:
                page = _page(script, env, args)
                return _page_into_results(args.output, page)
            full, one_month = [], []
            for _ in range(args.repeat):
                full.append(run_child(script, ["summary"], env))
                say(
                    f"  summary, every month: {full[-1]['seconds']} s, "
                    f"{full[-1]['peak_rss_mib']} MiB, {full[-1]['cells']:,} cells"
                )
            for _ in range(args.repeat):
                one_month.append(run_child(script, ["summary", "--month", month], env))
                say(
                    f"  summary, {month}: {one_month[-1]['seconds']} s, "
                    f"{one_month[-1]['peak_rss_mib']} MiB"
                )
            profiled = run_child(script, ["summary", "--profile"], env)
            say(f"  summary under cProfile: {profiled['seconds']} s")
            page = _page(script, env, args)
    finally:
        if not (args.keep or args.database):
            postgres_database(args.server, name, create=False)
        elif not args.database:
            say(f"kept database {name}")

    def median(runs: list[dict]) -> float:
        return round(statistics.median(r["seconds"] for r in runs), 1)

    p95 = {label: entry["p95_ms"] for label, entry in page["pages"].items()}
    results = {
        "benchmark": "cockpit",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "database": postgres_version(args.server),
        "sizes": {"spells_requested": args.spells, "events_requested": args.events},
        "targets": {
            "spells": 1_000_000,
            "events": 10_000_000,
            "page_p95_ms": TARGET_PAGE_P95_MS,
            "summary_seconds": TARGET_SUMMARY_SECONDS,
        },
        "conditions": (
            "test Client in one process, DEBUG off, PostgreSQL on the same machine; "
            "server time = wall time around client.get; each summary run in a fresh "
            "process, wall time around call_command('cockpit_summary')"
        ),
        "setup": setup,
        "summary_full": {"median_seconds": median(full), "runs": full},
        "summary_month": {"month": month, "median_seconds": median(one_month), "runs": one_month},
        "summary_profiled": profiled,
        "page": page,
        "page_p95_ms": p95,
        "meets_targets": {
            "page": all(v < TARGET_PAGE_P95_MS for v in p95.values()),
            "summary_full": median(full) < TARGET_SUMMARY_SECONDS,
            "summary_month": median(one_month) < TARGET_SUMMARY_SECONDS,
        },
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.output, results)
    say(
        f"page p95 {p95} ms; summary full {median(full)} s, month {median(one_month)} s; "
        f"written: {args.output}"
    )


if __name__ == "__main__":
    sys.exit(main())
