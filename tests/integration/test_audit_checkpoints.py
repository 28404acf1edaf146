"""The attack the external checkpoints exist for, on the real PostgreSQL: a database
superuser switches the triggers off (``session_replication_role = replica``), deletes an
audit event, renumbers and re-hashes every event after it with the project's own hash
function and moves the chain head. The chain alone then verifies; ``verify_audit`` (a
real process) checks the signed checkpoint written before, fails, and names the first
event that differs."""

import os
import subprocess
import sys

from django.db import connection

from audit.chain import event_hash
from audit.checkpoints import audit_external_checkpoint_write
from audit.models import AuditEvent, ChainHead
from audit.verification import audit_log_verify
from tests.audit.helpers import record
from tests.integration.conftest import ROOT, _database_url_for_test_db


def verify_audit_process(checkpoint_dir) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": _database_url_for_test_db(),
        "AUDIT_CHECKPOINT_DIR": str(checkpoint_dir),
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _delete_and_rehash(victim: AuditEvent) -> None:
    """What a superuser can do behind the triggers, in one transaction."""
    chain = victim.chain
    following = list(
        AuditEvent.objects.filter(chain=chain, sequence__gt=victim.sequence).order_by("sequence")
    )
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SET LOCAL session_replication_role = replica")  # no user triggers
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
        prev_hash = victim.prev_hash
        for event in following:
            event.sequence -= 1
            event.prev_hash = prev_hash
            event.hash = event_hash(content=event.hashed_content(), prev_hash=prev_hash)
            cursor.execute(
                "UPDATE audit_auditevent SET sequence = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s",
                [event.sequence, event.prev_hash, event.hash, event.pk],
            )
            prev_hash = event.hash
        cursor.execute(
            "UPDATE audit_chainhead SET sequence = sequence - 1, hash = %s WHERE chain = %s",
            [prev_hash, chain],
        )
        cursor.execute("COMMIT")


def test_a_deleted_and_rehashed_event_is_caught_by_the_signed_checkpoint(
    postgresql, caseworker, settings
):
    events = [record(user=caseworker, details={"n": n}) for n in range(6)]
    audit_external_checkpoint_write(reason="hourly")
    later = [record(user=caseworker, details={"after": n}) for n in range(2)]
    intact = verify_audit_process(settings.AUDIT_CHECKPOINT_DIR)
    assert intact.returncode == 0, intact.stderr
    assert "Audit log intact." in intact.stdout

    victim, successor = events[2], events[3]
    head_before = ChainHead.objects.get(chain=victim.chain).sequence
    _delete_and_rehash(victim)

    # The attack worked on the database alone: the chain and its head verify.
    assert not AuditEvent.objects.filter(pk=victim.pk).exists()
    assert ChainHead.objects.get(chain=victim.chain).sequence == head_before - 1
    assert AuditEvent.objects.get(pk=later[-1].pk).sequence == later[-1].sequence - 1
    assert audit_log_verify().ok

    broken = verify_audit_process(settings.AUDIT_CHECKPOINT_DIR)
    assert broken.returncode != 0
    # The first event that differs: the one now at the deleted event's place.
    assert (
        f"Audit log BROKEN at chain {victim.chain}, sequence {victim.sequence}, "
        f"event id {successor.pk}" in broken.stderr
    ), broken.stderr
    assert "signed external checkpoint" in broken.stderr
