"""Retention: old events go, after a checkpoint that keeps the chain verifiable; the
database lets retention delete only events older than six months that lie before a
checkpoint's cut, and rejects every other DELETE and every UPDATE."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit import integrity
from audit.actions import AuditAction
from audit.integrity import audit_retention_apply, months_before
from audit.models import AuditEvent
from audit.tasks import audit_retention_task
from audit.verification import CHECKPOINT_MISMATCH
from tests.audit.helpers import raw, record, triggers_lifted

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aged_log(caseworker):
    """A chain of its own (the personas' set-up events are all recent): sequences 1-5
    are about 30 months old, 6-7 eight months old, 8-10 from this week."""
    now = timezone.now()
    chain = caseworker.jobcenter_id + 1000

    def aged(days):
        return [record(jobcenter_id=chain, at=now - datetime.timedelta(days=d)) for d in days]

    return {
        "old": aged([920, 919, 918, 917, 916]),
        "middle": aged([245, 244]),
        "recent": aged([3, 2, 1]),
        "chain": chain,
    }


def test_months_before_clamps_the_day_like_postgresql():
    moment = datetime.datetime(2026, 8, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 6) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 24) == datetime.datetime(2024, 8, 31, 12, tzinfo=datetime.UTC)


def test_retention_removes_only_old_events_after_a_checkpoint(aged_log):
    chain = aged_log["chain"]
    last_old = aged_log["old"][-1]

    (done,) = audit_retention_apply(months=24)

    assert done.chain == chain and done.deleted == 5 and done.cut_sequence == 6
    remaining = set(AuditEvent.objects.filter(chain=chain).values_list("pk", flat=True))
    assert not remaining & {event.pk for event in aged_log["old"]}
    assert {event.pk for event in aged_log["middle"] + aged_log["recent"]} <= remaining
    checkpoint = AuditEvent.objects.get(pk=done.checkpoint_id)
    assert checkpoint.action == AuditAction.AUDIT_CHECKPOINT
    assert checkpoint.details["cut_sequence"] == 6
    assert checkpoint.details["cut_prev_hash"] == last_old.hash
    summary = AuditEvent.objects.get(chain=chain, action=AuditAction.AUDIT_RETENTION)
    assert summary.details["deleted"] == 5 and summary.sequence > checkpoint.sequence
    # The chain verifies from the checkpoint onwards.
    assert integrity.audit_chain_verify().ok


def test_retention_is_idempotent_and_batched(aged_log):
    audit_retention_apply(months=24, batch_size=2)
    count = AuditEvent.objects.count()
    assert audit_retention_apply(months=24, batch_size=2) == []
    assert AuditEvent.objects.count() == count  # no second checkpoint, nothing removed
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_CHECKPOINT).count() == 1
    # A shorter period later removes the 8-month-old events under a new checkpoint.
    (done,) = audit_retention_apply(months=6)
    assert done.deleted == 2 and done.cut_sequence == 8  # the two 8-month-old events
    assert integrity.audit_chain_verify().ok


def test_a_partly_deleted_prefix_verifies(aged_log):
    chain = aged_log["chain"]
    with transaction.atomic():
        from audit.services import audit_record

        audit_record(
            action=AuditAction.AUDIT_CHECKPOINT,
            jobcenter_id=chain,
            details={"cut_sequence": 6, "cut_prev_hash": aged_log["old"][-1].hash},
        )
    # Retention stopped after its first batch: sequences 1 and 2 gone, 3 to 5 still there.
    assert raw("DELETE FROM audit_auditevent WHERE chain = %s AND sequence <= 2", [chain]) == 2
    assert integrity.audit_chain_verify().ok
    (done,) = audit_retention_apply(months=24)
    assert done.deleted == 3 and done.cut_sequence == 6
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_CHECKPOINT).count() == 1
    assert integrity.audit_chain_verify().ok


def test_raw_sql_cannot_delete_a_recent_event_after_retention(aged_log):
    audit_retention_apply(months=24)
    for event in aged_log["recent"] + aged_log["middle"]:
        with pytest.raises(DatabaseError, match="append-only"):
            raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [aged_log["recent"][0].pk])
    assert integrity.audit_chain_verify().ok


def test_raw_sql_cannot_delete_an_old_event_without_a_checkpoint(aged_log):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent WHERE id = %s", [aged_log["old"][0].pk])


def test_raw_sql_cannot_delete_an_old_event_after_the_cut(aged_log):
    """A checkpoint cutting at 6 covers 1..5, not the 8-month-old events 6 and 7, nor an
    old event 'covered' only by a forged checkpoint that lies before it."""
    chain = aged_log["chain"]
    audit_retention_apply(months=24)
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent WHERE id = %s", [aged_log["middle"][0].pk])
    assert AuditEvent.objects.filter(chain=chain, pk=aged_log["middle"][0].pk).exists()


def test_a_checkpoint_altered_behind_the_triggers_is_found(aged_log):
    (done,) = audit_retention_apply(months=24)
    with triggers_lifted():
        raw(
            "UPDATE audit_auditevent SET details = %s WHERE id = %s",
            ['{"cut_sequence": 6, "cut_prev_hash": "' + "0" * 64 + '"}', done.checkpoint_id],
        )
    result = integrity.audit_chain_verify()
    assert not result.ok
    assert result.first_break.problem == CHECKPOINT_MISMATCH
    assert result.first_break.sequence == 6


def test_the_retention_task_applies_the_setting(aged_log, settings):
    settings.AUDIT_RETENTION_MONTHS = 24
    (done,) = audit_retention_task.delay().get()
    assert done["deleted"] == 5
    settings.AUDIT_RETENTION_MONTHS = 5
    with pytest.raises(ValueError, match="at least 6 months"):
        audit_retention_task.delay().get()


def test_a_retention_period_below_six_months_refuses_to_start():
    env = {**os.environ, "AUDIT_RETENTION_MONTHS": "5", "DJANGO_SETTINGS_MODULE": ""}
    done = subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", "import jobcenter.settings.base"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "AUDIT_RETENTION_MONTHS: at least 6 months, got 5" in done.stderr
