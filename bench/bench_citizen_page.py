"""The citizen page's server time and query count with a million citizens in PostgreSQL.

    .venv/bin/python bench/bench_citizen_page.py [--citizens 1000000] [--requests 300]

On a throwaway PostgreSQL database (created on the server, dropped afterwards):

1. *Setup, not timed as a measurement.* The demo municipality (``demo_setup --spells
   20000``): citizens, spells, meetings, snapshots, outcomes, team access, a first model
   trained, approved and activated (which stores an estimate for every open spell).
   Then, in SQL, every demo citizen is copied until at least ``--citizens`` citizens
   exist: each copy gets a new id, a new keyed CPR hash (``md5`` of the new id, so it
   stays unique per jobcenter) and the same encrypted CPR number, and copies of the
   original's spells (new ids and external ids), meetings, snapshots, outcomes,
   estimates (a correction names the copy of the snapshot it corrects) and guardian
   group object permissions, so team access works exactly as
   for a real citizen. ``VACUUM ANALYZE`` and a ``CHECKPOINT`` follow.
2. *Measured, in a fresh child process.* The demo caseworker (``caseworker``, team
   Dagpenge) is logged in with Django's test ``Client`` (``force_login``), with
   ``DEBUG`` off. After a warm-up, ``--requests`` citizens the caseworker's team may see
   are drawn at random from the whole database and their page is requested once each;
   the server time is the wall time around ``client.get`` (every middleware, the
   permission check, the audit event written in the request's transaction, and the
   template), and ``CaptureQueriesContext`` counts the queries. Then one citizen whose
   estimate is hidden by judgement first, and one whose estimate is shown (a judgement
   recorded first with ``casework.judgements.judgement_record``, as the judgement view
   does), are each requested ``--repeat-one`` times.

Results go to ``bench/results/citizen_page.json``: median, p95, p99 and max server
time, the query-count distribution, the estimate panel states of the sample, the
statements of one request, and ``EXPLAIN ANALYZE`` of the permission-checked lookup.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import os
import random
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
    timing_summary,
    write_results,
)

RESULTS = ROOT / "bench" / "results" / "citizen_page.json"
DEMO_SPELLS = 20_000
SEED = 2026
TARGET_P95_MS = 100
COPIES_PER_TRANSACTION = 10
DEMO_CASEWORKER = "caseworker"


# -- Setup --------------------------------------------------------------------------------

COPY_SQL = """
CREATE TEMP TABLE citizen_map ON COMMIT DROP AS
    SELECT k, c.id AS old_id, gen_random_uuid() AS new_id
    FROM casework_citizen c CROSS JOIN generate_series(%(first)s, %(last)s) AS k
    WHERE c.id IN (SELECT id FROM originals);

INSERT INTO casework_citizen (id, jobcenter_id, cpr_encrypted, cpr_hash, cpr_keyset, name,
                              birth_date, gender, street_address, postal_code, citizenship,
                              created_at)
SELECT m.new_id, c.jobcenter_id, c.cpr_encrypted, md5(m.new_id::text), c.cpr_keyset, c.name,
       c.birth_date, c.gender, c.street_address, c.postal_code, c.citizenship, c.created_at
FROM citizen_map m JOIN casework_citizen c ON c.id = m.old_id;

CREATE TEMP TABLE spell_map ON COMMIT DROP AS
    SELECT m.k, s.id AS old_id, gen_random_uuid() AS new_id, m.new_id AS citizen_id
    FROM citizen_map m JOIN casework_spell s ON s.citizen_id = m.old_id;

INSERT INTO casework_spell (id, external_id, jobcenter_id, citizen_id, team_id, caseworker_id,
                            benefit_type, start_date, end_date)
SELECT m.new_id, s.external_id || '-c' || m.k, s.jobcenter_id, m.citizen_id, s.team_id,
       s.caseworker_id, s.benefit_type, s.start_date, s.end_date
FROM spell_map m JOIN casework_spell s ON s.id = m.old_id;

INSERT INTO casework_meeting (spell_id, number, held_on)
SELECT m.new_id, x.number, x.held_on
FROM spell_map m JOIN casework_meeting x ON x.spell_id = m.old_id;

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

INSERT INTO casework_estimate (snapshot_id, spell_id, model_version_id, probability, band,
                               leaf_id, missing_inputs, computed_at)
SELECT m.new_id, m.spell_id, e.model_version_id, e.probability, e.band, e.leaf_id,
       e.missing_inputs, e.computed_at
FROM snapshot_map m JOIN casework_estimate e ON e.snapshot_id = m.old_id;

INSERT INTO casework_citizengroupobjectpermission (permission_id, group_id, content_object_id)
SELECT p.permission_id, p.group_id, m.new_id
FROM citizen_map m JOIN casework_citizengroupobjectpermission p
  ON p.content_object_id = m.old_id;
"""

TABLES = [
    "casework_citizen",
    "casework_spell",
    "casework_meeting",
    "casework_outcome",
    "casework_assessmentsnapshot",
    "casework_estimate",
    "casework_citizengroupobjectpermission",
]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        counts[table.removeprefix("casework_")] = cursor.fetchone()[0]
    return counts


def child_populate(citizens: int) -> dict:
    """Demo data and an active model, then citizens copied (with everything the citizen
    page reads) until at least ``citizens`` exist."""
    import io

    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command(
        "demo_setup", "--spells", str(DEMO_SPELLS), "--seed", str(SEED), stdout=io.StringIO()
    )
    demo_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_citizen")
        original = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE originals AS SELECT id FROM casework_citizen")
        cursor.execute("SET synchronous_commit TO off")
    copies = max(0, math.ceil((citizens - original) / original))
    say(f"  demo: {original:,} citizens in {demo_seconds:.0f} s; {copies} copies of each")
    started = time.perf_counter()
    for first in range(1, copies + 1, COPIES_PER_TRANSACTION):
        last = min(copies, first + COPIES_PER_TRANSACTION - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COPY_SQL, {"first": first, "last": last})
        say(f"  copies {last}/{copies} ({time.perf_counter() - started:.0f} s)")
    copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE originals")
        cursor.execute("VACUUM ANALYZE")
        # Write the loaded pages out now, so that the measurement's commits do not wait
        # for a checkpoint of gigabytes of freshly loaded data.
        cursor.execute("CHECKPOINT")
        counts = _counts(cursor)
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {
        "demo_setup_seconds": round(demo_seconds, 1),
        "citizens_in_demo": original,
        "copies_of_each": copies,
        "copy_seconds": round(copy_seconds, 1),
        "vacuum_analyze_seconds": round(time.perf_counter() - started, 1),
        "rows": counts,
        "database_gib": round(size / 2**30, 2),
    }


# -- Measurement --------------------------------------------------------------------------


def _timed_get(client, url: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed, len(captured), response


def child_measure(requests: int, repeat_one: int, seed: int) -> dict:
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casework.judgements import judgement_record
    from casework.models import Agreement, CitizenGroupObjectPermission, NextStep, RiskBand
    from casework.selectors import PanelState, citizen_page_for_user, estimate_panel
    from jobcenter.models import User

    assert not settings.DEBUG, "measure with DEBUG off"
    rng = random.Random(seed)
    user = User.objects.select_related("team").get(username=DEMO_CASEWORKER)
    group_id = user.team.group_id
    visible = list(
        CitizenGroupObjectPermission.objects.filter(group_id=group_id).values_list(
            "content_object_id", flat=True
        )
    )
    say(f"  {user.username} (team {user.team.name}) may see {len(visible):,} citizens")
    sample = rng.sample(visible, requests + 20)
    warm, sample = sample[:20], sample[20:]

    client = Client()
    client.force_login(user)

    def url(citizen_id) -> str:
        return reverse("casework:citizen", kwargs={"citizen_id": citizen_id})

    for citizen_id in warm:  # caches: templates, content types, the compiled model
        client.get(url(citizen_id))

    times, queries = [], []
    slowest: tuple[float, object, list] = (0.0, None, [])
    for citizen_id in sample:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url(citizen_id))
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{citizen_id}: HTTP {response.status_code}")
        times.append(elapsed)
        queries.append(len(captured))
        if elapsed > slowest[0]:
            slowest = (elapsed, citizen_id, [q["sql"] for q in captured.captured_queries])
    random_sample = timing_summary(times, queries)

    # Not timed: what the sample's pages showed.
    states = collections.Counter()
    by_state: dict[str, list[int]] = collections.defaultdict(list)
    candidates = []
    for citizen_id, count in zip(sample, queries, strict=True):
        page = citizen_page_for_user(user=user, citizen_id=citizen_id)
        state = estimate_panel(page=page).state
        states[state] += 1
        by_state[state].append(count)
        if state == PanelState.JUDGEMENT_FIRST:
            candidates.append(citizen_id)
    random_sample["panel_states"] = dict(states)
    random_sample["queries_by_state"] = {
        state: sorted(set(counts)) for state, counts in by_state.items()
    }
    say(
        f"  random sample: median {random_sample['median_ms']} ms, "
        f"p95 {random_sample['p95_ms']} ms, queries {random_sample['queries']}, "
        f"states {dict(states)}"
    )

    if len(candidates) < 2:
        raise SystemExit("not enough citizens with an estimate hidden by judgement first")
    hidden_id, shown_id = candidates[0], candidates[1]
    page = citizen_page_for_user(user=user, citizen_id=shown_id)
    judgement_record(
        user=user,
        citizen_id=shown_id,
        snapshot_id=page.snapshot.pk,
        estimate_id=None,
        risk_band=RiskBand.MEDIUM,
        agreement=Agreement.NOT_SEEN,
        next_step=NextStep.GUIDANCE,
    )
    one = {}
    for label, citizen_id in (("judgement_first_hidden", hidden_id), ("estimate_shown", shown_id)):
        client.get(url(citizen_id))  # warm (the shown estimate's row exists already)
        times, counts = [], []
        for _ in range(repeat_one):
            elapsed, count, response = _timed_get(client, url(citizen_id))
            times.append(elapsed)
            counts.append(count)
        body = response.content.decode()
        one[label] = timing_summary(times, counts) | {
            "estimate_in_page": 'id="estimate-probability"' in body,
            "state": estimate_panel(
                page=citizen_page_for_user(user=user, citizen_id=citizen_id)
            ).state,
        }
        with CaptureQueriesContext(connection) as captured:
            client.get(url(citizen_id))
        one[label]["statements"] = [q["sql"] for q in captured.captured_queries]
        say(
            f"  {label}: median {one[label]['median_ms']} ms, p95 {one[label]['p95_ms']} ms, "
            f"queries {one[label]['queries']}"
        )

    plans = {}
    with connection.cursor() as cursor:
        for label, sql in (("slowest_request", slowest[2]),):
            plans[label] = {"citizen_ms": round(slowest[0], 2), "plans": []}
            for statement in sql:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
                rows = [r[0] for r in cursor.fetchall()]
                plans[label]["plans"].append(
                    {"sql": statement, "execution": rows[-1], "plan": rows[:-2]}
                )
    return {
        "caseworker": user.username,
        "team": user.team.name,
        "citizens_visible": len(visible),
        "warmup_requests": len(warm),
        "random_sample": random_sample,
        "one_citizen": one,
        "explain": plans,
        "peak_rss_mib": peak_rss_mib(),
    }


# -- Driver -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat-one", type=int, default=100)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--database", help="measure an existing database (kept) instead")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, choices=["populate", "measure"])
    args = parser.parse_args()

    if args.child == "populate":
        print(json.dumps(child_populate(args.citizens)))
        return
    if args.child == "measure":
        print(json.dumps(child_measure(args.requests, args.repeat_one, args.seed)))
        return

    script = str(Path(__file__).resolve())
    started = time.perf_counter()
    name = args.database or f"bench_citizen_page_{os.getpid()}"
    if args.database:
        database_url = postgres_database_url(args.server, name)
    else:
        database_url = postgres_database(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(database_url, var_dir)
            setup = None
            if not args.database:
                say(f"migrating {name}")
                migrate(env)
                say(f"populating: demo data ({DEMO_SPELLS:,} spells), a model, copies")
                setup = run_child(script, ["populate", "--citizens", str(args.citizens)], env)
                say(f"  {setup}")
            measure_env = env | {"DEBUG": "0", "ALLOWED_HOSTS": "testserver,localhost"}
            measured = run_child(
                script,
                [
                    "measure",
                    "--requests",
                    str(args.requests),
                    "--repeat-one",
                    str(args.repeat_one),
                    "--seed",
                    str(args.seed),
                ],
                measure_env,
            )
    finally:
        if not (args.keep or args.database):
            postgres_database(args.server, name, create=False)
        elif not args.database:
            say(f"kept database {name}")

    sample = measured["random_sample"]
    results = {
        "benchmark": "citizen_page",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "database": postgres_version(args.server),
        "target": {"citizens": 1_000_000, "p95_ms": TARGET_P95_MS},
        "conditions": (
            "test Client in one process, DEBUG off, PostgreSQL on the same machine; "
            "server time = wall time around client.get (middleware, permission check, "
            "audit event, template); one request at a time"
        ),
        "setup": setup,
        "measurement": measured,
        "p95_ms": sample["p95_ms"],
        "meets_target": sample["p95_ms"] < TARGET_P95_MS,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.output, results)
    say(
        f"p95 {sample['p95_ms']} ms (median {sample['median_ms']} ms) over "
        f"{sample['requests']} citizens; written: {args.output}"
    )


def postgres_database_url(server_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


if __name__ == "__main__":
    sys.exit(main())
