"""Backups (issue 14): a pg_dump of a filled database (citizens, estimates, judgements,
audit events) restores into an empty database on another server, and the restored
audit log verifies intact with ``manage.py verify_audit``; the append-only guards come
back with it, and a restored log that was changed no longer verifies.

The procedure is the one in docs/operations.md: ``pg_dump -Fc``, ``createdb``,
``pg_restore --no-owner``, ``verify_audit``."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Citizen, Estimate, Judgement
from tests.casework.conftest import (  # noqa: F401 (fixtures)
    active_version,
    citizen_url,
    judgement_first_off,
)
from tests.factories import make_citizen_with_spell
from tests.integration.servers import ROOT, PostgresCluster, database_dump

TABLES = ("casework_citizen", "casework_estimate", "casework_judgement", "audit_auditevent")


@pytest.fixture
def private_pg():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.destroy()


def _verify_audit(database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": database_url,
        "AUDIT_CHECKPOINT_DIR": str(settings.AUDIT_CHECKPOINT_DIR),
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_dump_of_a_filled_database_restores_and_its_audit_log_verifies(
    postgresql, login, caseworker, colleague, citizen, team_a, active_version,  # noqa: F811
    judgement_first_off, private_pg, tmp_path,  # noqa: F811
):
    # Fill it through the pages: lookups, estimates shown, judgements, a second citizen.
    other, _spell = make_citizen_with_spell(team=team_a, caseworker=colleague, cpr="0101801234")
    for user, person in ((caseworker, citizen), (colleague, other)):
        browser = login(user)
        assert browser.get(citizen_url(person)).status_code == 200
        snapshot = person.spells.get().snapshots.get()
        estimate = Estimate.objects.filter(snapshot=snapshot).first()
        answer = browser.post(
            citizen_url(person, "judgement"),
            {"snapshot_id": snapshot.pk, "next_step": "internship", "risk_band": "high",
             "agreement": "agree", "estimate_id": estimate.pk if estimate else ""},
        )
        assert answer.status_code == 302
    assert Citizen.objects.count() == 2 and Judgement.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.ESTIMATE_VIEW).count() == 2
    counts = {
        "casework_citizen": Citizen.objects.count(),
        "casework_estimate": Estimate.objects.count(),
        "casework_judgement": Judgement.objects.count(),
        "audit_auditevent": AuditEvent.objects.count(),
    }

    dump = tmp_path / "jobcenter.dump"
    database_dump(dump)
    private_pg.psql("CREATE DATABASE restored")
    private_pg.restore(dump, "restored")

    for table in TABLES:
        assert private_pg.psql(f"SELECT count(*) FROM {table}", "restored") == str(counts[table])
    verified = _verify_audit(private_pg.url("restored"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Audit log intact." in verified.stdout
    assert f"Checked {counts['audit_auditevent']} events" in verified.stdout

    # The append-only guards were restored with the tables.
    with pytest.raises(subprocess.CalledProcessError):
        private_pg.psql("UPDATE audit_auditevent SET reason = 'changed'", "restored")
    # A restored log that someone changed behind the guards does not verify.
    private_pg.psql(
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL; "
        "UPDATE audit_auditevent SET reason = 'changed' "
        "WHERE id = (SELECT min(id) FROM audit_auditevent)",
        "restored",
    )
    broken = _verify_audit(private_pg.url("restored"))
    assert broken.returncode != 0
    assert "BROKEN" in broken.stderr
