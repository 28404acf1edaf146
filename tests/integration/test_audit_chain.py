"""The audit chain on the real PostgreSQL: many concurrent writers leave an intact
chain; a superuser who disables the triggers and alters an event is caught by
``verify_audit`` (a real process, exit status non-zero); retention keeps the chain
verifiable and the triggers still refuse every other DELETE; the application's role of
docs/operations.md cannot drop or disable the triggers."""

import datetime
import os
import subprocess
import sys
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from audit import integrity
from audit.models import AuditEvent
from audit.selectors import audit_integrity_latest
from audit.services import audit_record
from audit.verification import audit_log_verify
from tests.audit.helpers import raw, record, triggers_lifted
from tests.integration.conftest import ROOT, _database_url_for_test_db


def verify_audit_process() -> subprocess.CompletedProcess:
    """``manage.py verify_audit`` as its own process, against the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.test",
        "DATABASE_URL": _database_url_for_test_db(),
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_many_concurrent_writers_leave_an_intact_chain(postgresql, caseworker, foreign_caseworker):
    writers, per_writer = 8, 50
    errors, verifications = [], []
    done = threading.Event()

    def write(user):
        try:
            for n in range(per_writer):
                with transaction.atomic():
                    audit_record(action="citizen.search", user=user, details={"n": n})
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def verify_meanwhile():
        # Verification reads one snapshot, so events appended meanwhile never look
        # like a mismatched head.
        try:
            while not done.is_set():
                verifications.append(audit_log_verify())
        finally:
            connection.close()

    users = [caseworker, foreign_caseworker] * (writers // 2)
    threads = [threading.Thread(target=write, args=(user,)) for user in users]
    verifier = threading.Thread(target=verify_meanwhile)
    verifier.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    verifier.join()

    assert errors == []
    for chain in (caseworker.jobcenter_id, foreign_caseworker.jobcenter_id):
        sequences = list(
            AuditEvent.objects.filter(chain=chain)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, len(sequences) + 1))
    assert AuditEvent.objects.filter(action="citizen.search").count() == writers * per_writer
    assert verifications and all(result.ok for result in verifications)
    final = audit_log_verify()
    assert final.ok and final.events == AuditEvent.objects.count()


def test_verify_audit_names_an_event_a_superuser_altered_and_exits_non_zero(postgresql, caseworker):
    events = [record(user=caseworker, details={"n": n}) for n in range(5)]
    intact = verify_audit_process()
    assert intact.returncode == 0, intact.stderr
    assert "Audit log intact." in intact.stdout

    altered = events[2]
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET reason = 'skjult' WHERE id = %s", [altered.pk])
    with triggers_lifted():  # ALTER TABLE ... DISABLE TRIGGER ALL, as a superuser
        raw("UPDATE audit_auditevent SET reason = 'skjult' WHERE id = %s", [altered.pk])

    broken = verify_audit_process()
    assert broken.returncode != 0
    assert (
        f"chain {altered.chain}, sequence {altered.sequence}, event id {altered.pk}"
        in broken.stderr
    )
    assert "altered" in broken.stderr


def test_retention_removes_only_the_old_beginning_of_a_chain(postgresql, caseworker):
    now = timezone.now()
    chain = caseworker.jobcenter_id
    old = [record(jobcenter_id=chain, at=now - datetime.timedelta(days=900 - n)) for n in range(4)]
    recent = record(user=caseworker)
    # The personas' set-up events are recent and come first in this chain: retention
    # removes only a chain's old beginning, so nothing goes.
    assert integrity.audit_retention_apply(months=24) == []
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 4
    assert verify_audit_process().returncode == 0

    for statement, params in [
        ("DELETE FROM audit_auditevent WHERE id = %s", [recent.pk]),
        ("DELETE FROM audit_auditevent", []),
        ("TRUNCATE audit_auditevent", []),
        ("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [old[-1].pk]),
    ]:
        with pytest.raises(DatabaseError, match="append-only"):
            raw(statement, params)
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_retention_deletes_the_old_prefix_of_a_chain(postgresql, caseworker):
    now = timezone.now()
    chain = caseworker.jobcenter_id + 1000  # a chain whose oldest events are old
    old = [record(jobcenter_id=chain, at=now - datetime.timedelta(days=900 - n)) for n in range(6)]
    middle = record(jobcenter_id=chain, at=now - datetime.timedelta(days=200))
    recent = record(jobcenter_id=chain)

    with pytest.raises(DatabaseError, match="append-only"):  # no checkpoint yet
        raw("DELETE FROM audit_auditevent WHERE id = %s", [old[0].pk])
    (done,) = integrity.audit_retention_apply(months=24, batch_size=4)
    assert (done.chain, done.deleted, done.cut_sequence) == (chain, 6, 7)
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    for kept in (middle, recent):
        with pytest.raises(DatabaseError, match="append-only"):
            raw("DELETE FROM audit_auditevent WHERE id = %s", [kept.pk])
    assert integrity.audit_retention_apply(months=24) == []
    result = verify_audit_process()
    assert result.returncode == 0, result.stderr


def test_the_nightly_verification_runs_in_a_real_worker(celery_worker_process, caseworker):
    client, queue = celery_worker_process
    record(user=caseworker)
    outcome = client.send_task("audit.tasks.audit_verify_task", queue=queue).get(timeout=120)
    assert outcome["ok"] is True
    status = audit_integrity_latest(jobcenter_id=None)
    assert status.state == "ok" and status.event_id == outcome["event_id"]
    assert audit_integrity_latest(jobcenter_id=caseworker.jobcenter_id).state == "ok"


APP_ROLE = "jc_h_integrity_app"


@pytest.fixture
def app_role(postgresql):
    """A role set up as docs/operations.md says for ``jobcenter_app``."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
        )
        cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"REVOKE UPDATE, TRUNCATE ON audit_auditevent FROM {APP_ROLE}")
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {APP_ROLE}")
        cursor.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")


def test_the_application_role_cannot_touch_the_triggers(app_role, caseworker):
    event = record(user=caseworker)
    refusals = {
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL": "must be owner",
        "DROP TRIGGER audit_event_retention_delete_only ON audit_auditevent": "must be owner",
        "DROP FUNCTION audit_event_delete_guard()": "must be owner",
        "UPDATE audit_auditevent SET reason = 'x'": "permission denied",
        "TRUNCATE audit_auditevent": "permission denied",
        "DELETE FROM audit_auditevent": "append-only",
    }
    for statement, message in refusals.items():
        with (
            pytest.raises(DatabaseError, match=message),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"SET LOCAL ROLE {app_role}")
            cursor.execute(statement)
    # ... and still works: it reads and appends.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {app_role}")
        audit_record(action="citizen.search", user=caseworker)
        assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert audit_log_verify().ok


def test_the_retention_migration_reverses(postgresql, caseworker):
    call_command("migrate", "audit", "0005", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
            assert [row[0] for row in cursor.fetchall()] == [
                "audit_event_no_truncate",
                "audit_event_no_update_delete",
            ]
    finally:
        call_command("migrate", "audit", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
            "AND NOT tgisinternal ORDER BY tgname"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "audit_event_no_truncate",
            "audit_event_no_update",
            "audit_event_retention_delete_only",
        ]


def test_the_database_computes_the_same_hash_as_python(postgresql, caseworker):
    """On PostgreSQL audit_record appends in one statement and the database computes the
    SHA-256; it must be exactly audit.chain.event_hash of what the model holds, for
    awkward text too, or verification would call an honest log broken."""
    import uuid

    from audit.chain import GENESIS_HASH, event_hash
    from jobcenter.request_context import (
        RequestContext,
        reset_request_context,
        set_request_context,
    )

    token = set_request_context(
        RequestContext(
            request_id=uuid.uuid4(), ip_address="2001:db8::1", user_agent="Test æ", path="/"
        )
    )
    try:
        written = [
            record(user=caseworker),
            record(
                user=caseworker,
                reason='Citat "her", \\ sti\n\tny linje \x01 æøå 😀 \u2028',
                output={"z": [1.5, 1e-05, None, True], "a": {"ø": "\u2028"}},
                details={"sequence": -918273645546372819},  # the placeholder's number
                flags=["outside_caseload"],
                at=timezone.now().replace(microsecond=0),
            ),
            record(user=None, jobcenter_id=caseworker.jobcenter_id, reason="ingen bruger"),
        ]
    finally:
        reset_request_context(token)
    previous = None
    for returned in written:
        stored = AuditEvent.objects.get(pk=returned.pk)
        assert (stored.sequence, stored.hash, stored.prev_hash) == (
            returned.sequence,
            returned.hash,
            returned.prev_hash,
        )
        assert stored.hash == event_hash(
            content=stored.hashed_content(), prev_hash=stored.prev_hash
        )
        if previous is not None:
            assert stored.prev_hash == previous.hash
        previous = stored
    assert written[0].sequence + 2 == written[2].sequence
    assert written[0].sequence > 1 or written[0].prev_hash == GENESIS_HASH
    assert audit_log_verify().ok


def test_parallel_verification_agrees_with_one_process(
    postgresql, caseworker, foreign_caseworker, dpo
):
    """Worker processes verify the chains in the parent's exported snapshot: an intact
    log is intact for both, and an altered event is named the same way by both."""
    for n in range(30):
        record(user=caseworker, details={"n": n})
        record(user=foreign_caseworker, details={"n": n})
    for n in range(5):
        record(user=None, jobcenter_id=None, details={"system": n})  # chain 0
    single, parallel = audit_log_verify(jobs=1), audit_log_verify(jobs=2)
    assert single.ok and parallel.ok
    assert (parallel.chains, parallel.events) == (single.chains, single.events)
    assert single.chains == 3 and single.events == AuditEvent.objects.count() >= 65
    assert parallel.heads == single.heads

    altered = AuditEvent.objects.filter(chain=foreign_caseworker.jobcenter_id).order_by("sequence")[
        12
    ]
    with triggers_lifted():
        raw("UPDATE audit_auditevent SET reason = 'skjult' WHERE id = %s", [altered.pk])
    single, parallel = audit_log_verify(jobs=1), audit_log_verify(jobs=2)
    assert not single.ok and not parallel.ok
    assert parallel.first_break == single.first_break
    first = parallel.first_break
    assert (first.chain, first.event_id) == (altered.chain, altered.pk)
    assert parallel.events == single.events


def test_where_workers_cannot_start_verification_runs_in_one_process(
    postgresql, caseworker, foreign_caseworker, monkeypatch, caplog
):
    """A daemonic process may not start children; the log is only read, so the check
    is done in the calling process instead (the refusal is stood in for here)."""
    from audit import verification

    for n in range(10):
        record(user=caseworker, details={"n": n})
        record(user=foreign_caseworker, details={"n": n})

    def refuse(*args, **kwargs):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(verification, "_chains_verify_in_parallel", refuse)
    result = audit_log_verify(jobs=2)
    assert result.ok and result.events == AuditEvent.objects.count()
    assert "verifying the audit log in one process" in caplog.text


def test_the_prepared_append_outlives_a_rollback_and_is_prepared_again_per_session(
    postgresql, caseworker
):
    """The append is a statement prepared once per database session: a rolled-back
    transaction keeps it, and a new session (a reconnect) prepares it again."""
    from audit.services import _PREPARED_NAME

    def prepared_here() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_PREPARED_NAME])
            return cursor.fetchone() is not None

    with transaction.atomic():
        rolled_back = audit_record(action="citizen.search", user=caseworker)
        transaction.set_rollback(True)
    assert prepared_here()
    first = record(user=caseworker)
    assert first.sequence == rolled_back.sequence  # the rolled-back event left no trace
    connection.close()
    assert not prepared_here()  # a new session
    second = record(user=caseworker)
    assert prepared_here()
    assert second.sequence == first.sequence + 1
    assert audit_log_verify().ok


def test_without_prepared_statements_the_append_is_the_same(postgresql, caseworker, settings):
    """Behind a pooler in transaction mode (AUDIT_PREPARED_APPEND=false) nothing is
    prepared, and the events chain and verify exactly as before."""
    from audit.services import _PREPARED_NAME

    settings.AUDIT_PREPARED_APPEND = False
    connection.close()  # a fresh session, with nothing prepared yet
    first = record(user=caseworker, reason='plain "statement"')
    second = record(user=caseworker)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        assert _PREPARED_NAME not in {row[0] for row in cursor.fetchall()}
    assert second.prev_hash == first.hash and second.sequence == first.sequence + 1
    assert audit_log_verify().ok
