"""How long an import of citizen data takes: a file of N spells with their citizens,
meetings (two each), snapshots and outcomes through ``manage.py import_citizens``, the
same file again (everything unchanged), and one bulk API request of 1,000 records.

    .venv/bin/python bench/bench_imports.py [--spells 100000] [--repeat 1]

Each repeat runs in a fresh child process on a fresh, migrated SQLite database in a
temporary directory (the embedded default; ``--database-url`` for PostgreSQL), which
reports wall times and peak resident memory. Results: ``bench/results/imports.json``.
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "imports.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CHILD_FLAG,
    django_env,
    machine,
    migrate,
    postgres_database,
    run_child,
    say,
    write_results,
)

COLUMNS = [
    "record_type",
    "cpr",
    "name",
    "postal_code",
    "spell_id",
    "team",
    "benefit_type",
    "start_date",
    "end_date",
    "number",
    "held_on",
    "as_of",
    "age",
    "education",
    "months_employed_3y",
    "spells_5y",
    "previous_industry",
    "cv_complete",
    "job_search_activity",
    "availability",
    "driving_licence",
    "gender",
    "origin",
    "unemployed_12m",
    "observed_on",
]
EDUCATION = ["primary", "upper_secondary", "vocational", "short_higher", "bachelor", "master"]
INDUSTRY = ["none", "construction", "manufacturing", "retail", "transport", "cleaning"]
BENEFITS = ["dagpenge", "kontanthjaelp_jobparat", "kontanthjaelp_aktivitetsparat"]


def file_write(path: Path, spells: int, seed: int) -> dict:
    """A Danish export: ';', decimal comma, DD-MM-YYYY, UTF-8 with a BOM."""
    rng = random.Random(seed)
    citizens = max(1, int(spells / 1.25))
    counts = dict.fromkeys(("citizen", "spell", "meeting", "snapshot", "outcome"), 0)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        cprs = []
        for n in range(citizens):
            # Unique and valid: births 1960-1998 (7th digit 0-3 means the 1900s).
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 14000)
            cpr = f"{birth:%d%m%y}{(n // 14000) % 4}{n // 56000:03d}"
            cprs.append(cpr)
            writer.writerow(["citizen", cpr, f"Borger {n}", "7400"] + [""] * (len(COLUMNS) - 4))
            counts["citizen"] += 1
        for n in range(spells):
            cpr = cprs[n % citizens]
            start = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
            closed = start < datetime.date(2025, 6, 1)
            end = start + datetime.timedelta(days=rng.randrange(30, 400)) if closed else None
            sid = f"F-{n:07d}"
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                record_type="spell",
                cpr=cpr,
                spell_id=sid,
                team="Team A",
                benefit_type=rng.choice(BENEFITS),
                start_date=f"{start:%d-%m-%Y}",
                end_date=f"{end:%d-%m-%Y}" if end else "",
            )
            writer.writerow(row.values())
            for number in (1, 2):
                row = dict.fromkeys(COLUMNS, "")
                held = start + datetime.timedelta(weeks=4 * number)
                row.update(
                    record_type="meeting",
                    spell_id=sid,
                    number=str(number),
                    held_on=f"{held:%d-%m-%Y}",
                )
                writer.writerow(row.values())
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                record_type="snapshot",
                spell_id=sid,
                as_of=f"{held:%d-%m-%Y}",
                age=str(rng.randrange(18, 67)),
                education=rng.choice(EDUCATION),
                months_employed_3y=f"{rng.randrange(0, 360) / 10}".replace(".", ","),
                spells_5y=str(rng.randrange(0, 6)),
                previous_industry=rng.choice(INDUSTRY),
                benefit_type=BENEFITS[0],
                cv_complete=rng.choice(["ja", "nej"]),
                job_search_activity=str(rng.randrange(0, 30)),
                availability="full_time",
                driving_licence=rng.choice(["1", "0"]),
                gender=rng.choice(["female", "male"]),
                origin="danish",
            )
            writer.writerow(row.values())
            counts["spell"] += 1
            counts["meeting"] += 2
            counts["snapshot"] += 1
            if closed:
                row = dict.fromkeys(COLUMNS, "")
                row.update(
                    record_type="outcome",
                    spell_id=sid,
                    unemployed_12m=rng.choice(["1", "0"]),
                    observed_on=f"{held + datetime.timedelta(days=365):%d-%m-%Y}",
                )
                writer.writerow(row.values())
                counts["outcome"] += 1
    return counts


def child_run(spells: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jobcenter.models import Jobcenter, Role
    from jobcenter.services import staff_create, team_create
    from prediction.services import feature_spec_register
    from prediction.specification import DEFAULT_SPECIFICATION_PATH

    feature_spec_register(source_toml=DEFAULT_SPECIFICATION_PATH.read_text("utf-8"))
    jobcenter = Jobcenter.objects.create(name="Bench", municipality_code="998", dpo_contact="x")
    team_create(jobcenter=jobcenter, name="Team A")
    path = Path(tempfile.mkdtemp()) / "export.csv"
    started = time.perf_counter()
    counts = file_write(path, spells, seed)
    written = time.perf_counter() - started
    say(
        f"file: {path.stat().st_size / 2**20:.1f} MiB, {sum(counts.values()):,} rows "
        f"({written:.1f} s)"
    )
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_citizens", str(path), "--jobcenter", "998", stdout=out)
    first = time.perf_counter() - started
    say(f"import: {first:.1f} s")
    started = time.perf_counter()
    call_command("import_citizens", str(path), "--jobcenter", "998", stdout=out)
    again = time.perf_counter() - started
    say(f"re-import (unchanged): {again:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # One bulk API request of 1,000 new spells, then the same again (unchanged).
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    service = staff_create(
        username="fasit", password="x" * 20, role=Role.SERVICE, jobcenter=jobcenter
    )
    client = Client()
    client.force_login(service)
    api_new, api_same = [], []
    cprs = [
        row[1]
        for row in csv.reader(path.open(encoding="utf-8-sig"), delimiter=";")
        if row and row[0] == "citizen"
    ][:1000]
    for repeat in range(5):
        records = [
            {
                "spell_id": f"API-{repeat}-{n}",
                "cpr": cprs[n % len(cprs)],
                "team": "Team A",
                "benefit_type": "dagpenge",
                "start_date": "2026-08-03",
            }
            for n in range(1000)
        ]
        body = json.dumps({"records": records})
        for bucket in (api_new, api_same):
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/records/spells/bulk/", data=body, content_type="application/json"
            )
            bucket.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.content[:500]
    print(
        json.dumps(
            {
                "rows": counts,
                "file_mib": round(path.stat().st_size / 2**20, 1),
                "import_seconds": round(first, 2),
                "reimport_unchanged_seconds": round(again, 2),
                "rows_per_second": round(sum(counts.values()) / first),
                "peak_rss_mib": round(peak, 1),
                "api_bulk_1000_new_seconds": [round(x, 3) for x in api_new],
                "api_bulk_1000_unchanged_seconds": [round(x, 3) for x in api_same],
                "api_body_kib": round(len(body) / 1024, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spells", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(CHILD_FLAG, action="store_true")
    args = parser.parse_args()
    if args.child:
        child_run(args.spells, args.seed)
        return
    backend = "postgresql" if args.database_url else "sqlite"
    runs = []
    for repeat in range(args.repeat):
        with tempfile.TemporaryDirectory() as var_dir:
            if args.database_url:
                url = postgres_database(args.database_url, "bench_imports", create=True)
            else:
                url = f"sqlite:///{var_dir}/bench.sqlite3"
            env = django_env(url, var_dir)
            migrate(env)
            say(f"repeat {repeat + 1}/{args.repeat} on {backend}")
            runs.append(
                run_child(__file__, ["--spells", str(args.spells), "--seed", str(args.seed)], env)
            )
            if args.database_url:
                postgres_database(args.database_url, "bench_imports", create=False)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[backend] = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "spells": args.spells,
        "runs": runs,
        "median": {
            key: statistics.median(run[key] for run in runs)
            for key in ("import_seconds", "reimport_unchanged_seconds", "peak_rss_mib")
        }
        | {
            "api_bulk_1000_new_seconds": statistics.median(
                x for run in runs for x in run["api_bulk_1000_new_seconds"]
            ),
            "api_bulk_1000_unchanged_seconds": statistics.median(
                x for run in runs for x in run["api_bulk_1000_unchanged_seconds"]
            ),
        },
    }
    write_results(RESULTS, results)
    say(json.dumps(results[backend]["median"], indent=2))


if __name__ == "__main__":
    main()
