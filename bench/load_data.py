"""A throwaway PostgreSQL database for the load test (issue 14), filled quickly.

    .venv/bin/python bench/load_data.py [--citizens 1000000] [--events 10000000]
        [--caseworkers 200] [--managers 5] [--dpos 2] --users-json /tmp/x/users.json

Used by ``bench/bench_load.py``; on its own it creates ``bench_load_<pid>`` and keeps it.

1. ``--events`` valid hash-chained audit events, loaded with ``COPY`` by
   ``bench/bench_audit.py``'s loader into the chain of the jobcenter the demo creates
   next (the first jobcenter of a fresh database, id 1), so the DPO searches a log of
   that size and the demo's own events continue the same chain: the log verifies.
2. The demo municipality with a trained, active model, grown to ``--citizens`` with
   ``bench/bench_citizen_page.py``'s SQL copies (``child_populate``).
3. ``--caseworkers`` caseworkers spread over the demo's teams, each given a share of
   their team's open spells as their own caseload, plus ``--managers`` managers and
   ``--dpos`` DPOs, all with the password ``LOAD_PASSWORD``.
   The cockpit's summary is computed once (``cockpit_summary``).
4. A JSON for the load script: the usernames and, per caseworker, citizen ids of their
   own caseload and a few real CPR numbers of their team's citizens (decrypted from the
   originals: the SQL copies carry a hash nobody can search). CPR-like numbers never go
   into the repository: the file belongs in a temporary directory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from bench import bench_audit, bench_citizen_page  # noqa: E402
from bench.common import (  # noqa: E402
    CHILD_FLAG,
    DEFAULT_SERVER,
    django_env,
    django_setup,
    migrate,
    postgres_database,
    run_child,
    say,
)

LOAD_PASSWORD = "load-test-passphrase-2026"  # noqa: S105 - a throwaway bench database
CITIZENS_PER_CASEWORKER = 40
CPRS_PER_CASEWORKER = 3
DEMO_JOBCENTER_ID = 1  # the first jobcenter of a fresh database


def _staff(count: int, prefix: str, role, jobcenter, teams) -> list:
    from jobcenter.services import staff_create

    users = []
    for i in range(count):
        team = teams[i % len(teams)] if teams else None
        users.append(
            staff_create(
                username=f"{prefix}{i:03d}",
                password=None,  # set below, hashed once for all
                role=role,
                jobcenter=jobcenter,
                team=team,
                first_name="Load",
                last_name=f"{prefix}{i:03d}",
            )
        )
    return users


def child_fill(
    *, citizens: int, events: int, caseworkers: int, managers: int, dpos: int, seed: int
) -> dict:
    django_setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from jobcenter.models import Jobcenter

    started = time.perf_counter()
    if Jobcenter.objects.exists():
        raise SystemExit("load_data needs a freshly migrated database")
    audit_setup = None
    if events:
        # The loader's chain is the demo jobcenter's, before the demo exists.
        bench_audit.FIRST_CHAIN = DEMO_JOBCENTER_ID
        bench_audit.CHAINS = 1
        say(f"  {events:,} chained audit events (COPY)")
        audit_setup = bench_audit.child_populate(events)
    say(f"  demo municipality grown to {citizens:,} citizens")
    citizens_setup = bench_citizen_page.child_populate(citizens)
    jobcenter = Jobcenter.objects.get()
    if jobcenter.pk != DEMO_JOBCENTER_ID:
        raise SystemExit(f"the demo jobcenter has id {jobcenter.pk}, not {DEMO_JOBCENTER_ID}")

    from casework.cpr import cpr_decrypt
    from jobcenter.models import Role, Team, User

    staff_started = time.perf_counter()
    teams = list(Team.objects.filter(jobcenter=jobcenter).order_by("pk"))
    workers = _staff(caseworkers, "load-cw", Role.CASEWORKER, jobcenter, teams)
    bosses = _staff(managers, "load-mgr", Role.MANAGER, jobcenter, None)
    officers = _staff(dpos, "load-dpo", Role.DPO, jobcenter, None)
    everyone = [u.pk for u in (*workers, *bosses, *officers)]
    User.objects.filter(pk__in=everyone).update(password=make_password(LOAD_PASSWORD))

    with connection.cursor() as cursor:
        # Each load caseworker takes an equal share of their team's open spells.
        cursor.execute(
            """
            WITH cw AS (
                SELECT id, team_id,
                       row_number() OVER (PARTITION BY team_id ORDER BY id) - 1 AS k,
                       count(*) OVER (PARTITION BY team_id) AS n
                FROM jobcenter_user WHERE username LIKE 'load-cw%'
            ), open AS (
                SELECT id, team_id, row_number() OVER (PARTITION BY team_id ORDER BY id) AS r
                FROM casework_spell WHERE end_date IS NULL
            )
            UPDATE casework_spell s SET caseworker_id = cw.id
            FROM open JOIN cw ON cw.team_id = open.team_id AND cw.k = open.r % cw.n
            WHERE s.id = open.id
            """
        )
        reassigned = cursor.rowcount
        plan = {"password": LOAD_PASSWORD, "caseworkers": [], "managers": [], "dpos": []}
        for user in workers:
            group_id = user.team.group_id
            # Their own open spells whose citizen their team may see, a snapshot first
            # (so that a judgement can be recorded), drawn in a fixed order.
            cursor.execute(
                """
                SELECT s.citizen_id::text
                FROM casework_spell s
                JOIN casework_citizengroupobjectpermission p
                  ON p.content_object_id = s.citizen_id AND p.group_id = %s
                WHERE s.caseworker_id = %s AND s.end_date IS NULL
                ORDER BY EXISTS (SELECT 1 FROM casework_assessmentsnapshot a
                                 WHERE a.spell_id = s.id) DESC,
                         md5(s.id::text || %s)
                LIMIT %s
                """,
                [group_id, user.pk, str(seed), CITIZENS_PER_CASEWORKER],
            )
            ids = [row[0] for row in cursor.fetchall()]
            # Originals (their keyed hash is the real one, not a copy's md5) the team
            # may see: only they can be found by CPR number.
            cursor.execute(
                """
                SELECT c.id::text, c.cpr_encrypted
                FROM casework_citizen c
                JOIN casework_citizengroupobjectpermission p
                  ON p.content_object_id = c.id AND p.group_id = %s
                WHERE c.cpr_hash <> md5(c.id::text)
                  AND EXISTS (SELECT 1 FROM casework_spell s
                              WHERE s.citizen_id = c.id AND s.end_date IS NULL)
                ORDER BY md5(c.id::text || %s)
                LIMIT %s
                """,
                [group_id, f"{seed}:{user.pk}", CPRS_PER_CASEWORKER],
            )
            cprs = [{"id": cid, "cpr": cpr_decrypt(token).digits} for cid, token in cursor]
            plan["caseworkers"].append(
                {"username": user.username, "team": user.team.name, "citizens": ids, "cprs": cprs}
            )
        cursor.execute("SELECT id::text FROM casework_citizen ORDER BY md5(id::text) LIMIT 50")
        dpo_citizens = [row[0] for row in cursor.fetchall()]
        cursor.execute("ANALYZE casework_spell")
    # The managers' cockpit reads precomputed summaries: compute them once, as the
    # nightly task would.
    summary_started = time.perf_counter()
    call_command("cockpit_summary", stdout=io.StringIO())
    summary_seconds = time.perf_counter() - summary_started
    plan["managers"] = [{"username": u.username} for u in bosses]
    plan["dpos"] = [{"username": u.username, "citizens": dpo_citizens} for u in officers]
    plan["team_ids"] = [t.pk for t in teams]
    empty = [c["username"] for c in plan["caseworkers"] if not c["citizens"]]
    if empty:
        raise SystemExit(f"caseworkers without citizens: {empty[:5]} ...")
    return {
        "plan": plan,
        "setup": {
            "audit": audit_setup,
            "citizens": citizens_setup,
            "staff_seconds": round(time.perf_counter() - staff_started, 1),
            "open_spells_reassigned": reassigned,
            "cockpit_summary_seconds": round(summary_seconds, 1),
            "teams": [t.name for t in teams],
            "seconds": round(time.perf_counter() - started, 1),
        },
    }


def fill(
    *,
    database_url: str,
    var_dir: str,
    users_json: Path,
    citizens: int,
    events: int,
    caseworkers: int,
    managers: int,
    dpos: int,
    seed: int,
) -> dict:
    """Migrates the (empty) database, fills it in a child process, writes the users'
    JSON; returns the setup's figures."""
    env = django_env(database_url, var_dir)
    migrate_seconds = migrate(env)
    result = run_child(
        str(Path(__file__).resolve()),
        [
            "--citizens", str(citizens), "--events", str(events),
            "--caseworkers", str(caseworkers), "--managers", str(managers),
            "--dpos", str(dpos), "--seed", str(seed),
        ],
        env,
    )  # fmt: skip
    users_json.parent.mkdir(parents=True, exist_ok=True)
    users_json.write_text(json.dumps(result["plan"]), encoding="utf-8")
    os.chmod(users_json, 0o600)
    return result["setup"] | {
        "migrate_seconds": round(migrate_seconds, 1),
        "process_seconds": result["process_seconds"],
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--caseworkers", type=int, default=200)
    parser.add_argument("--managers", type=int, default=5)
    parser.add_argument("--dpos", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--users-json", type=Path)
    parser.add_argument(CHILD_FLAG, action="store_true")
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(
                child_fill(
                    citizens=args.citizens,
                    events=args.events,
                    caseworkers=args.caseworkers,
                    managers=args.managers,
                    dpos=args.dpos,
                    seed=args.seed,
                )
            )
        )
        return
    if args.users_json is None:
        parser.error("--users-json (in a temporary directory, never in the repository)")
    name = f"bench_load_{os.getpid()}"
    url = postgres_database(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as var_dir:
            setup = fill(
                database_url=url,
                var_dir=var_dir,
                users_json=args.users_json,
                citizens=args.citizens,
                events=args.events,
                caseworkers=args.caseworkers,
                managers=args.managers,
                dpos=args.dpos,
                seed=args.seed,
            )
    except BaseException:
        postgres_database(args.server, name, create=False)
        raise
    say(json.dumps(setup, indent=2))
    say(f"kept database {name}; users in {args.users_json}")


if __name__ == "__main__":
    main()
