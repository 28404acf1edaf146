"""How long re-scoring every open spell takes when a model version becomes active.

    .venv/bin/python bench/bench_rescore.py [--open-spells 150000] [--repeat 3]

On a throwaway PostgreSQL database (created on the server, dropped afterwards):

1. *Setup, not timed.* The demo municipality (``demo_setup --spells 20000``): closed
   spells, the training store, a first model trained, approved and activated. Its open
   spells past meeting 2 are then copied in SQL until at least ``--open-spells`` open
   spells have a current snapshot (each copy is a new spell of the same citizen with a
   copy of the original's snapshot; the values repeat, which does not change the cost
   of reading, scoring or writing them).
2. *Timed, in a fresh child process per repeat.* Every estimate is deleted (not timed)
   and ``casework.scoring.open_spells_rescore`` runs for the active version, as the
   activation task does: read every open spell's current snapshot, build the frame,
   score it on the compiled tree, and bulk-insert one ``Estimate`` per snapshot.

Results go to ``bench/results/rescore.json``; ``docs/performance.md`` summarises them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
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

RESULTS = ROOT / "bench" / "results" / "rescore.json"
DEMO_SPELLS = 20_000
SEED = 2026


def child_populate(open_spells: int) -> dict:
    """Demo data, a first active model, then open spells copied up to the target."""
    import io
    import math

    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from casework.models import AssessmentSnapshot

    started = time.perf_counter()
    call_command(
        "demo_setup", "--spells", str(DEMO_SPELLS), "--seed", str(SEED), stdout=io.StringIO()
    )
    demo_seconds = time.perf_counter() - started

    def open_current() -> int:
        return AssessmentSnapshot.objects.filter(
            spell__end_date__isnull=True, corrections__isnull=True
        ).count()

    original = open_current()
    copies = max(0, math.ceil((open_spells - original) / original))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH source AS (
                SELECT s.*, a.specification_id, a.as_of, a."values"
                FROM casework_spell s
                JOIN casework_assessmentsnapshot a
                  ON a.spell_id = s.id AND a.corrects_id IS NULL
                WHERE s.end_date IS NULL
            ),
            copies AS MATERIALIZED (
                SELECT gen_random_uuid() AS new_id, k, source.*
                FROM source CROSS JOIN generate_series(1, %s) AS k
            ),
            new_spells AS (
                INSERT INTO casework_spell (id, external_id, jobcenter_id, citizen_id, team_id,
                                            caseworker_id, benefit_type, start_date, end_date)
                SELECT new_id, external_id || '-copy-' || k, jobcenter_id, citizen_id, team_id,
                       caseworker_id, benefit_type, start_date, NULL
                FROM copies
                RETURNING id
            )
            INSERT INTO casework_assessmentsnapshot (spell_id, specification_id, as_of, "values",
                                                    correction_reason, created_at)
            SELECT new_id, specification_id, as_of, "values", '', now() FROM copies
            """,
            [copies],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "demo_setup_seconds": round(demo_seconds, 1),
        "open_spells_in_demo": original,
        "copies_of_each": copies,
        "copy_seconds": round(time.perf_counter() - started, 1),
        "open_spells": open_current(),
    }


def child_rescore() -> dict:
    """One timed ``open_spells_rescore`` after every estimate has been deleted."""
    django_setup()
    from django.db import connection

    from casework.models import Estimate
    from casework.scoring import open_spells_rescore
    from prediction.models import ModelStatus, ModelVersion

    version = ModelVersion.objects.get(status=ModelStatus.ACTIVE)
    Estimate.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE casework_estimate")
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    written = open_spells_rescore(model_version_id=version.pk)
    seconds = time.perf_counter() - started
    scored = Estimate.objects.filter(model_version=version, probability__isnull=False).count()
    return {
        "seconds": round(seconds, 2),
        "estimates_written": written,
        "estimates_with_probability": scored,
        "spells_per_second": round(written / seconds),
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_mib": rss_before,
        "model_version": version.number,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open-spells", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, choices=["populate", "rescore"])
    args = parser.parse_args()

    if args.child == "populate":
        print(json.dumps(child_populate(args.open_spells)))
        return
    if args.child == "rescore":
        print(json.dumps(child_rescore()))
        return

    script = str(Path(__file__).resolve())
    name = f"bench_rescore_{os.getpid()}"
    database_url = postgres_database(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(database_url, var_dir)
            say(f"migrating {name}")
            migrate(env)
            say(f"populating: demo data ({DEMO_SPELLS:,} spells), a model, open spells copied")
            setup = run_child(script, ["populate", "--open-spells", str(args.open_spells)], env)
            say(f"  {setup}")
            runs = []
            for repeat in range(args.repeat):
                result = run_child(script, ["rescore"], env)
                say(
                    f"  repeat {repeat + 1}: {result['seconds']:.2f} s, "
                    f"{result['estimates_written']:,} estimates"
                )
                runs.append(result)
    finally:
        postgres_database(args.server, name, create=False)

    median = statistics.median(r["seconds"] for r in runs)
    results = {
        "benchmark": "rescore",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "database": postgres_version(args.server),
        "target": {"open_spells": 150_000, "seconds": 15},
        "setup": setup,
        "runs": runs,
        "median_seconds": median,
        "median_spells_per_second": round(runs[0]["estimates_written"] / median),
        "median_peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
    }
    write_results(args.output, results)
    say(
        f"median {median:.2f} s for {runs[0]['estimates_written']:,} open spells; "
        f"written: {args.output}"
    )


if __name__ == "__main__":
    sys.exit(main())
