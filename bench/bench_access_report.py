"""How fast the DPO's pages are on a log of 10,000,000 events.

    .venv/bin/python bench/bench_access_report.py [--events 10000000] [--citizens 100000]

A throwaway PostgreSQL database is created and migrated; one jobcenter, its teams, 300
members of staff, a DPO and ``--citizens`` citizens are written, then ``--events``
audit events are generated in SQL (``generate_series``): two years of events, newest
last, 70 % about a citizen drawn at random (so each citizen has about
``0.7 * events / citizens`` events spread over the two years), the rest searches,
caseload views, logins and model events; actions weighted like a working day
(views and estimate views first). The hashes do not chain: this measures reads, not
verification. The secondary indexes are dropped before the insert and built again
afterwards (with their definitions from the migrations), then VACUUM ANALYZE.

Measured in a child process with Django's test ``Client`` (the whole server side: URL
routing, session, the DPO check, the query, the audit event written in the same
transaction, the template), logged in as the DPO:

- the citizen access report page (``/audit/citizens/<id>/access-report/``) for
  ``--samples`` random citizens, and its PDF for a few of them;
- the log's front page, first page, and a deep keyset page (the page after the event
  half-way back through the log), and the first page filtered by citizen, by user, by
  team, by a month a year ago, by an action and by each flag (break-the-glass,
  disagreement, outside the caseload, failed logins).

Each figure is the median and the 95th percentile of the wall times; the query plans of
the access report, the deep page and the break-the-glass filter are kept
(``EXPLAIN (ANALYZE, BUFFERS)``). The database is dropped afterwards. Results:
``bench/results/access_report.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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

RESULTS = ROOT / "bench" / "results" / "access_report.json"
SEED = 2026
STAFF = 300
TEAMS = 10
PERIOD_DAYS = 730
TARGET_ACCESS_REPORT_MS = 200

# (action, share of events, about a citizen?)
ACTIONS = [
    ("citizen.view", 0.34, True),
    ("estimate.view", 0.22, True),
    ("judgement.record", 0.06, True),
    ("judgement.disagree", 0.02, True),
    ("letter.produce", 0.03, True),
    ("snapshot.correct", 0.01, True),
    ("permission.change", 0.02, True),
    ("citizen.search", 0.14, False),
    ("caseload.view", 0.10, False),
    ("auth.login", 0.03, False),
    ("auth.logout", 0.025, False),
    ("auth.login_failed", 0.005, False),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(times_ms: list[float]) -> dict:
    return {
        "n": len(times_ms),
        "median_ms": round(statistics.median(times_ms), 1),
        "p95_ms": round(percentile(times_ms, 0.95), 1),
        "max_ms": round(max(times_ms), 1),
    }


# -- Children ---------------------------------------------------------------------------


def _action_case_sql() -> str:
    """A CASE on a uniform random number ``r`` that picks an action by its share."""
    total = sum(share for _, share, _ in ACTIONS)
    parts, bound = [], 0.0
    for action, share, _ in ACTIONS[:-1]:
        bound += share / total
        parts.append(f"WHEN r < {bound:.6f} THEN '{action}'")
    return "CASE " + " ".join(parts) + f" ELSE '{ACTIONS[-1][0]}' END"


def child_fill(events: int, citizens: int) -> dict:
    django_setup()
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.models import ChainHead
    from jobcenter.models import Jobcenter, Role, User
    from jobcenter.services import roles_ensure, staff_create, team_create

    started = time.perf_counter()
    with transaction.atomic():
        jobcenter = Jobcenter.objects.create(
            name="Jobcenter Bench", municipality_code="999", dpo_contact="dpo@example.invalid"
        )
        teams = [team_create(jobcenter=jobcenter, name=f"Team {i + 1}") for i in range(TEAMS)]
        roles_ensure()
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"cw{i:03d}",
                    first_name=f"Sagsbehandler {i}",
                    jobcenter=jobcenter,
                    team=teams[i % TEAMS],
                    password="!",
                )
                for i in range(STAFF)
            ]
        )
        Group.objects.get(name=Role.CASEWORKER).user_set.add(*staff)
        dpo = staff_create(
            username="dpo", password="bench-password-1", role=Role.DPO, jobcenter=jobcenter
        )
    setup_seconds = time.perf_counter() - started

    jc = jobcenter.pk
    offset = ChainHead.objects.get(chain=jc).sequence  # the setup's own events come first
    start = timezone.now() - datetime.timedelta(days=PERIOD_DAYS + 1)
    first_user = staff[0].pk
    action_case = _action_case_sql()
    about_citizen = ", ".join(f"'{a}'" for a, _, c in ACTIONS if c)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO casework_citizen
                (id, jobcenter_id, cpr_encrypted, cpr_hash, name, birth_date, gender,
                 postal_code, citizenship, created_at)
            SELECT md5('citizen' || g)::uuid, %s, 'bench', md5('cpr' || g) || md5('h' || g),
                   'Borger ' || g, DATE '1960-01-01' + (g %% 15000),
                   CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
                   (7400 + g %% 50)::text, 'DK', now()
            FROM generate_series(1, %s) AS g
            """,
            [jc, citizens],
        )
        citizens_seconds = time.perf_counter() - started

        # Secondary indexes off during the bulk insert, rebuilt afterwards.
        cursor.execute(
            """
            SELECT indexname, indexdef FROM pg_indexes
            WHERE tablename = 'audit_auditevent' AND indexname NOT IN (
                SELECT conname FROM pg_constraint
                WHERE conrelid = 'audit_auditevent'::regclass)
            """
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

        started = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO audit_auditevent
                (chain, sequence, occurred_at, action, user_id, username, role, team,
                 jobcenter_id, citizen_id, object_type, object_id, model_version_id,
                 inputs_hash, output, reason, flags, details, request_id, ip_address,
                 user_agent, prev_hash, hash)
            SELECT %(jc)s, %(offset)s + g, ts, action,
                   CASE WHEN action = 'auth.login_failed' THEN NULL ELSE %(first_user)s + u END,
                   'cw' || lpad(u::text, 3, '0'), 'caseworker', 'Team ' || (u %% {TEAMS} + 1),
                   %(jc)s,
                   CASE WHEN action IN ({about_citizen})
                        THEN md5('citizen' || (1 + (hashint * 7919 + g) %% %(citizens)s))::uuid
                   END,
                   '', '', NULL, '', NULL, '',
                   CASE WHEN action = 'auth.login_failed' THEN '["failed_login"]'::jsonb
                        WHEN g %% 997 = 0 THEN '["break_glass", "outside_caseload"]'::jsonb
                        ELSE '[]'::jsonb END,
                   '{{}}'::jsonb, NULL, NULL, '',
                   md5('p' || g) || md5('q' || g), md5('h' || g) || md5('i' || g)
            FROM (
                SELECT g,
                       %(start)s::timestamptz
                           + (g::double precision / %(events)s) * INTERVAL '{PERIOD_DAYS} days'
                           AS ts,
                       (abs(hashtext('u' || g)::bigint) %% {STAFF}) AS u,
                       abs(hashtext('c' || g)::bigint) AS hashint,
                       ({action_case}) AS action
                FROM (
                    SELECT g, (abs(hashtext('a' || g)::bigint) %% 1000000) / 1000000.0 AS r
                    FROM generate_series(1, %(events)s) AS g
                ) AS numbers
            ) AS drawn
            """,
            {
                "jc": jc,
                "offset": offset,
                "start": start,
                "first_user": first_user,
                "citizens": citizens,
                "events": events,
            },
        )
        insert_seconds = time.perf_counter() - started

        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        index_seconds = time.perf_counter() - started
        cursor.execute(
            """
            INSERT INTO audit_chainhead (chain, sequence, hash)
            VALUES (%s, %s, md5('h' || %s) || md5('i' || %s))
            ON CONFLICT (chain) DO UPDATE
                SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash
            """,
            [jc, offset + events, events, events],
        )
    connection.close()
    started = time.perf_counter()
    import psycopg2

    settings_db = connection.settings_dict
    raw = psycopg2.connect(
        dbname=settings_db["NAME"],
        user=settings_db["USER"],
        host=settings_db["HOST"],
        port=settings_db["PORT"] or 5432,
        password=settings_db["PASSWORD"] or None,
    )
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")
        cursor.execute("VACUUM ANALYZE casework_citizen")
        cursor.execute("SELECT pg_total_relation_size('audit_auditevent')")
        table_bytes = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
    raw.close()
    return {
        "setup_seconds": round(setup_seconds, 2),
        "citizens_seconds": round(citizens_seconds, 2),
        "insert_seconds": round(insert_seconds, 2),
        "index_build_seconds": round(index_seconds, 2),
        "indexes_rebuilt": [name for name, _ in indexes],
        "vacuum_analyze_seconds": round(time.perf_counter() - started, 2),
        "audit_table_gib": round(table_bytes / 2**30, 2),
        "database_gib": round(database_bytes / 2**30, 2),
        "dpo_id": dpo.pk,
        "jobcenter_id": jc,
    }


def _timed_get(client, url: str, data: dict | None = None) -> tuple[float, int, object]:
    started = time.perf_counter()
    response = client.get(url, data or {})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, len(response.content), response


def _explain(sql: str, params: list) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def child_measure(samples: int, pdf_samples: int, repeat_pages: int) -> dict:
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from audit.flags import AuditFlag
    from audit.keyset import NEWEST_FIRST, cursor_encode
    from audit.models import AuditEvent
    from audit.selectors import AuditFilters, audit_events_for_dpo, citizen_access_events
    from casework.models import Citizen
    from jobcenter.models import User

    rng = random.Random(SEED)
    dpo = User.objects.get(username="dpo")
    client = Client(HTTP_HOST="localhost")
    client.force_login(dpo)
    count = Citizen.objects.count()
    picks = [f"citizen{rng.randint(1, count)}" for _ in range(samples + 1)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(x)::uuid FROM unnest(%s::text[]) AS x", [picks])
        citizen_ids = [row[0] for row in cursor.fetchall()]

    # Warm up once (imports, template loading, the first connection).
    _timed_get(client, reverse("dpo:access_report", args=[citizen_ids[0]]))

    report_ms, report_rows = [], []
    for citizen_id in citizen_ids[1:]:
        elapsed, _, response = _timed_get(client, reverse("dpo:access_report", args=[citizen_id]))
        report_ms.append(elapsed)
        report_rows.append(max(response.content.count(b"<tr>") - 1, 0))  # less the header
    names_ms = [
        _timed_get(client, reverse("dpo:access_report", args=[c]), {"names": "on"})[0]
        for c in citizen_ids[1 : 1 + min(samples, 20)]
    ]
    pdf_ms = [
        _timed_get(client, reverse("dpo:access_report_pdf", args=[c]))[0]
        for c in citizen_ids[1 : 1 + pdf_samples]
    ]
    # The query alone, for the plan.
    events = citizen_access_events(user=dpo, citizen_id=citizen_ids[1], with_names=True)
    del events
    report_plan = _explain(
        "SELECT id, occurred_at, action, role, team, reason, flags FROM audit_auditevent "
        "WHERE jobcenter_id = %s AND citizen_id = %s ORDER BY occurred_at DESC, id DESC",
        [dpo.jobcenter_id, citizen_ids[1]],
    )

    index = reverse("dpo:index")
    first_ms = [_timed_get(client, index)[0] for _ in range(repeat_pages)]
    total = AuditEvent.objects.filter(jobcenter_id=dpo.jobcenter_id).count()
    middle = (
        AuditEvent.objects.filter(jobcenter_id=dpo.jobcenter_id)
        .order_by("-occurred_at", "-id")
        .values("occurred_at", "id")[total // 2]
    )
    cursor = cursor_encode(occurred_at=middle["occurred_at"], id=middle["id"])
    deep_ms = [_timed_get(client, index, {"before": cursor})[0] for _ in range(repeat_pages)]
    deep_plan = _explain(
        "SELECT * FROM audit_auditevent WHERE jobcenter_id = %s AND occurred_at <= %s "
        "AND (occurred_at < %s OR id < %s) ORDER BY occurred_at DESC, id DESC LIMIT 51",
        [dpo.jobcenter_id, middle["occurred_at"], middle["occurred_at"], middle["id"]],
    )
    by_citizen_ms = [
        _timed_get(client, index, {"citizen": str(c)})[0] for c in citizen_ids[1 : 1 + repeat_pages]
    ]
    by_user_ms = [_timed_get(client, index, {"user": f"cw{i:03d}"})[0] for i in range(repeat_pages)]
    by_team_ms = [
        _timed_get(client, index, {"team": f"Team {i % TEAMS + 1}"})[0] for i in range(repeat_pages)
    ]
    today = datetime.date.today()
    month = {
        "date_from": (today - datetime.timedelta(days=400)).isoformat(),
        "date_to": (today - datetime.timedelta(days=370)).isoformat(),
    }
    by_dates_ms = [_timed_get(client, index, month)[0] for _ in range(repeat_pages)]
    by_action_ms = [
        _timed_get(client, index, {"action": "judgement.disagree"})[0] for _ in range(repeat_pages)
    ]
    by_flag = {}
    for flag, _label in AuditFlag.choices:
        times = [_timed_get(client, index, {"flags": flag})[0] for _ in range(repeat_pages)]
        by_flag[flag] = summary(times)
    flag_query = audit_events_for_dpo(
        user=dpo, filters=AuditFilters(flags=(AuditFlag.BREAK_GLASS,))
    ).order_by(*NEWEST_FIRST)[:51]
    flag_plan = _explain(*flag_query.query.sql_with_params())
    return {
        "events_in_jobcenter": total,
        "access_report_html": {
            **summary(report_ms),
            "rows_median": statistics.median(report_rows),
            "rows_max": max(report_rows),
        },
        "access_report_html_with_names": summary(names_ms),
        "access_report_pdf": summary(pdf_ms) if pdf_ms else None,
        "front_page_first": summary(first_ms),
        "front_page_deep_keyset": {**summary(deep_ms), "position": total // 2},
        "front_page_by_citizen": summary(by_citizen_ms),
        "front_page_by_user": summary(by_user_ms),
        "front_page_by_team": summary(by_team_ms),
        "front_page_by_month_a_year_ago": summary(by_dates_ms),
        "front_page_by_action_disagreement": summary(by_action_ms),
        "front_page_by_flag": by_flag,
        "plans": {
            "access_report": report_plan,
            "deep_keyset_page": deep_plan,
            "flag_break_glass": flag_plan,
        },
    }


# -- The parent -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=50, help="citizens timed")
    parser.add_argument("--pdf-samples", type=int, default=5)
    parser.add_argument("--repeat-pages", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, choices=["fill", "measure"])
    args = parser.parse_args()
    if args.child == "fill":
        print(json.dumps(child_fill(args.events, args.citizens)))
        return
    if args.child == "measure":
        print(json.dumps(child_measure(args.samples, args.pdf_samples, args.repeat_pages)))
        return

    script = str(Path(__file__).resolve())
    name = f"bench_access_report_{os.getpid()}"
    url = postgres_database(args.database_url, name, create=True)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-access-report-") as tmp:
            env = django_env(url, tmp)
            migrate_seconds = migrate(env)
            say(f"migrated in {migrate_seconds:.1f} s; filling {args.events:,} events ...")
            fill = run_child(
                script,
                ["fill", "--events", str(args.events), "--citizens", str(args.citizens)],
                env,
            )
            say(
                f"filled: insert {fill['insert_seconds']:.0f} s, indexes "
                f"{fill['index_build_seconds']:.0f} s, vacuum analyze "
                f"{fill['vacuum_analyze_seconds']:.0f} s; table {fill['audit_table_gib']} GiB"
            )
            measure = run_child(
                script,
                [
                    "measure",
                    "--samples",
                    str(args.samples),
                    "--pdf-samples",
                    str(args.pdf_samples),
                    "--repeat-pages",
                    str(args.repeat_pages),
                ],
                env,
            )
            report = measure["access_report_html"]
            say(
                f"access report: median {report['median_ms']} ms, p95 {report['p95_ms']} ms "
                f"({report['rows_median']} rows); first page "
                f"{measure['front_page_first']['median_ms']} ms; deep page "
                f"{measure['front_page_deep_keyset']['median_ms']} ms"
            )
    finally:
        if not args.keep:
            postgres_database(args.database_url, name, create=False)
    results = {
        "benchmark": "access_report",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "database": postgres_version(args.database_url),
        "events": args.events,
        "citizens": args.citizens,
        "staff": STAFF,
        "seed": SEED,
        "targets": {"access_report_ms": TARGET_ACCESS_REPORT_MS},
        "migrate_seconds": round(migrate_seconds, 2),
        "fill": fill,
        "measure": measure,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.output, results)
    say(f"written: {args.output} (total {results['total_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
