"""Reading a citizen's assessment through the API costs no more than the citizen page.

    .venv/bin/python bench/bench_api_read.py [--spells 20000] [--requests 300]

On a throwaway PostgreSQL database (created on the server, dropped afterwards):

1. *Setup, not timed.* The demo municipality (``demo_setup``): citizens, spells,
   meetings, snapshots, a model trained, approved and activated. The demo caseworker
   records a judgement for each sampled citizen first (``judgement_record``), so the
   page and the API both show the estimate (judgement first is on in the demo).
2. *Measured, in a fresh child process, in one run.* For each sampled citizen, in turn:
   the citizen page as the demo caseworker (session), the assessment through the API as
   the same caseworker (session), and the assessment through the API as the jobcenter's
   service account (``Authorization: Api-Key``). Each is the wall time around Django's
   test ``Client.get`` with ``DEBUG`` off: middleware, authentication, the permission
   check, the audit events written in the request's transaction, and the template or
   the JSON. The order is interleaved so the machine's noise falls on all three alike.

Results go to ``bench/results/api_read.json``: median, p95 and p99 of each, the ratios
of the API's p95 to the page's, and the query counts.
"""

from __future__ import annotations

import argparse
import datetime
import random
import subprocess
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
    postgres_database,
    postgres_version,
    run_child,
    say,
    timing_summary,
    write_results,
)

RESULTS = ROOT / "bench" / "results" / "api_read.json"
SEED = 2026


def child_measure(requests: int, seed: int) -> dict:
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casework.judgements import judgement_record
    from casework.models import Agreement, NextStep, RiskBand
    from casework.permissions import citizens_visible_to
    from casework.selectors import PanelState, citizen_page_for_user, estimate_panel
    from jobcenter.models import User
    from jobcenter.service_accounts import service_account_create

    assert not settings.DEBUG, "measure with DEBUG off"
    rng = random.Random(seed)
    user = User.objects.select_related("team").get(username="caseworker")
    candidates = list(citizens_visible_to(user=user).values_list("pk", flat=True))
    rng.shuffle(candidates)
    sample = []
    for citizen_id in candidates:  # not timed: judged first, so the estimate shows
        page = citizen_page_for_user(user=user, citizen_id=citizen_id)
        if estimate_panel(page=page).state != PanelState.JUDGEMENT_FIRST:
            continue
        judgement_record(
            user=user,
            citizen_id=citizen_id,
            snapshot_id=page.snapshot.pk,
            estimate_id=None,
            risk_band=RiskBand.MEDIUM,
            agreement=Agreement.NOT_SEEN,
            next_step=NextStep.GUIDANCE,
        )
        sample.append(citizen_id)
        if len(sample) == requests + 20:
            break
    say(f"  {len(sample)} citizens of team {user.team.name}, each judged first")
    warm, sample = sample[:20], sample[20:]
    key = service_account_create(jobcenter=user.jobcenter, name="bench", days=1).key

    person = Client()
    person.force_login(user)
    service = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    ways = {
        "page": (person, lambda c: reverse("casework:citizen", kwargs={"citizen_id": c})),
        "api_caseworker": (
            person,
            lambda c: reverse("casework_api:citizen_assessment", kwargs={"citizen_id": c}),
        ),
        "api_service_account": (
            service,
            lambda c: reverse("casework_api:citizen_assessment", kwargs={"citizen_id": c}),
        ),
    }
    for citizen_id in warm:
        for client, url in ways.values():
            assert client.get(url(citizen_id)).status_code == 200
    times: dict[str, list[float]] = {name: [] for name in ways}
    counts: dict[str, list[int]] = {name: [] for name in ways}
    for citizen_id in sample:
        for name, (client, url) in ways.items():
            address = url(citizen_id)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(address)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            if name == "page":
                assert b'id="estimate-probability"' in response.content
            else:
                assert response.json()["state"] == "shown", response.json()
            times[name].append(elapsed)
            counts[name].append(len(captured))
    result = {name: timing_summary(times[name], counts[name]) for name in ways}
    for name in ("api_caseworker", "api_service_account"):
        result[name]["p95_ratio_to_page"] = round(
            result[name]["p95_ms"] / result["page"]["p95_ms"], 2
        )
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        parser = argparse.ArgumentParser()
        parser.add_argument(CHILD_FLAG, action="store_true")
        parser.add_argument("--requests", type=int, required=True)
        parser.add_argument("--seed", type=int, required=True)
        args = parser.parse_args()
        import json

        print(json.dumps(child_measure(args.requests, args.seed)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spells", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    name = f"bench_api_read_{int(time.time())}"
    database_url = postgres_database(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(database_url, var_dir)
            say(f"migrating {name}")
            migrate(env)
            say(f"demo data: {args.spells:,} spells and an active model")
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "demo_setup", "--spells",
                 str(args.spells), "--seed", str(args.seed)],
                env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            measure_env = env | {"DEBUG": "0", "ALLOWED_HOSTS": "testserver,localhost"}
            measured = run_child(
                str(Path(__file__).resolve()),
                ["--requests", str(args.requests), "--seed", str(args.seed)],
                measure_env,
            )
    finally:
        postgres_database(args.server, name, create=False)
    results = {
        "benchmark": "api_read",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "database": postgres_version(args.server),
        "conditions": (
            "test Client in one process, DEBUG off, PostgreSQL on the same machine; the "
            "page, the API as the caseworker and the API as the service account "
            "interleaved citizen by citizen, every estimate shown"
        ),
        "spells": args.spells,
        "measurement": measured,
        "meets_target": all(
            measured[name]["p95_ms"] <= measured["page"]["p95_ms"]
            for name in ("api_caseworker", "api_service_account")
        ),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.output, results)
    for way, figures in measured.items():
        if not isinstance(figures, dict):
            continue
        say(f"  {way}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms")
    say(f"written: {args.output}")


if __name__ == "__main__":
    sys.exit(main())
