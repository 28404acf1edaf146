"""verify_audit: an intact log passes; an event altered or removed behind the triggers
is found, named (chain, sequence, id, what is wrong) and the command fails."""

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit import integrity
from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_json, event_hash
from audit.models import AuditEvent, ChainHead
from audit.selectors import audit_integrity_latest
from audit.tasks import audit_verify_task
from audit.verification import (
    CONTENT_ALTERED,
    HEAD_MISMATCH,
    LINK_BROKEN,
    SEQUENCE_GAP,
    START_MISSING,
    EventRow,
    audit_log_rows,
    chains_verify,
)
from jobcenter.celery import app as celery_app
from jobcenter.request_context import RequestContext, reset_request_context, set_request_context
from tests.audit.helpers import raw, record, triggers_lifted


def _verify_audit(*args):
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def log(caseworker, foreign_caseworker):
    """Events in two municipalities' chains (and the staff set-up before them)."""
    token = set_request_context(
        RequestContext(
            request_id=uuid.uuid4(), ip_address="10.0.0.7", user_agent="Firefox", path="/x"
        )
    )
    try:
        events = [
            record(user=caseworker, details={"kind": "name", "note": "Søren Ærø"}),
            record(
                user=caseworker,
                action="estimate.view",
                citizen_id=uuid.uuid4(),
                model_version_id=3,
                inputs_hash="ab" * 32,
                output={"band": "high", "probability": 0.6734, "rules": [1, 2]},
                flags=["outside_caseload", "break_glass"],
                reason="Akut henvendelse",
            ),
            record(user=foreign_caseworker, details={"kind": "cpr", "hits": 1}),
            record(user=caseworker, details={"kind": "cpr", "hits": 0}),
            record(user=caseworker, details={"kind": "name", "hits": 2}),
        ]
    finally:
        reset_request_context(token)
    return events


def test_it_reads_exactly_what_the_model_hashes(log, caseworker):
    # Strings that JSON must escape, non-ASCII, a whole second, floats and nesting.
    record(
        user=caseworker,
        reason='Citat "her", \\ sti\n\tny linje \x01 æøå 😀',
        output={"z": [1.5, 1e-05, None, True], "a": {"ø": "\u2028"}},
        at=timezone.now().replace(microsecond=0),
    )
    rows = {row.id: row for row in audit_log_rows()}
    for event in AuditEvent.objects.all():
        assert rows[event.pk].canonical == canonical_json(event.hashed_content())
        assert (rows[event.pk].chain, rows[event.pk].sequence) == (event.chain, event.sequence)


def test_an_intact_log_passes(log, caseworker):
    output = _verify_audit()
    chains = AuditEvent.objects.values("chain").distinct().count()
    assert f"Checked {AuditEvent.objects.count()} events in {chains} chains" in output
    assert "Audit log intact." in output


def test_an_event_altered_behind_the_triggers_is_named_and_the_command_fails(log):
    altered = log[3]
    with triggers_lifted():
        raw("UPDATE audit_auditevent SET reason = 'skjult' WHERE id = %s", [altered.pk])
    assert AuditEvent.objects.get(pk=altered.pk).reason == "skjult"

    with pytest.raises(CommandError) as failure:
        _verify_audit()
    message = str(failure.value)
    assert f"chain {altered.chain}, sequence {altered.sequence}, event id {altered.pk}" in message
    assert "altered" in message


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link(log):
    """A forger who also recomputes the altered event's hash is caught by its successor."""
    altered, successor = log[0], log[1]
    content = {**altered.hashed_content(), "reason": "skjult"}
    forged = event_hash(content=content, prev_hash=altered.prev_hash)
    with triggers_lifted():
        raw(
            "UPDATE audit_auditevent SET reason = 'skjult', hash = %s WHERE id = %s",
            [forged, altered.pk],
        )
    result = integrity.audit_chain_verify()
    assert not result.ok
    broken = result.first_break
    assert (broken.sequence, broken.event_id, broken.problem) == (
        successor.sequence,
        successor.pk,
        LINK_BROKEN,
    )


def test_an_event_deleted_in_the_middle_is_found(log):
    removed, after = log[3], log[4]
    with triggers_lifted():
        raw("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])

    with pytest.raises(CommandError) as failure:
        _verify_audit()
    assert f"sequence {after.sequence}, event id {after.pk}" in str(failure.value)
    assert "events missing" in str(failure.value)
    broken = integrity.audit_chain_verify().first_break
    assert broken.problem == SEQUENCE_GAP
    assert broken.detail == f"expected {removed.sequence}, found {after.sequence}"


def test_the_last_event_deleted_is_found_by_the_chain_head(log):
    last = log[4]
    with triggers_lifted():
        raw("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    broken = integrity.audit_chain_verify().first_break
    assert (broken.chain, broken.problem) == (last.chain, HEAD_MISMATCH)
    assert ChainHead.objects.get(chain=last.chain).sequence == last.sequence


def test_the_first_events_deleted_without_a_checkpoint_are_found(log):
    with triggers_lifted():
        raw("DELETE FROM audit_auditevent WHERE chain = %s AND sequence <= 2", [log[0].chain])
    broken = integrity.audit_chain_verify().first_break
    assert (broken.sequence, broken.problem) == (3, START_MISSING)


def test_the_result_is_recorded_and_the_latest_one_is_shown(log):
    assert audit_integrity_latest(jobcenter_id=None).state == "unchecked"
    events_before = AuditEvent.objects.count()
    call_command("verify_audit", "--record", stdout=io.StringIO())
    status = audit_integrity_latest(jobcenter_id=None)
    assert status.state == "ok" and not status.failed
    assert status.events_checked == events_before  # everything before the check itself

    with triggers_lifted():
        raw("UPDATE audit_auditevent SET username = 'mallory' WHERE id = %s", [log[1].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", "--record", stdout=io.StringIO(), stderr=io.StringIO())
    status = audit_integrity_latest(jobcenter_id=None)
    assert status.failed
    assert status.first_break["event_id"] == log[1].pk
    assert status.first_break["problem"] == CONTENT_ALTERED
    assert f"event id {log[1].pk}: the stored hash does not match" in status.first_broken
    event = AuditEvent.objects.get(pk=status.event_id)
    assert event.action == AuditAction.AUDIT_VERIFY and event.flags == ["integrity_broken"]


def test_each_jobcenter_is_told_the_result_for_its_own_chain(log, caseworker, foreign_caseworker):
    """Each municipality is its own data controller: its DPO sees its own chain's part of
    the check, and a break in another municipality's chain is not theirs."""
    here, elsewhere = caseworker.jobcenter_id, foreign_caseworker.jobcenter_id
    own_events = AuditEvent.objects.filter(chain=here).count()
    call_command("verify_audit", "--record", stdout=io.StringIO())
    status = audit_integrity_latest(jobcenter_id=here)
    assert status.state == "ok" and status.events_checked == own_events
    recorded = AuditEvent.objects.get(pk=status.event_id)
    assert recorded.chain == here and recorded.jobcenter_id == here

    altered = next(event for event in log if event.chain == elsewhere)
    with triggers_lifted():
        raw("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [altered.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", "--record", stdout=io.StringIO(), stderr=io.StringIO())
    assert audit_integrity_latest(jobcenter_id=here).state == "ok"
    broken = audit_integrity_latest(jobcenter_id=elsewhere)
    assert broken.failed and broken.first_break["event_id"] == altered.pk
    assert audit_integrity_latest(jobcenter_id=None).failed  # the administrator's view
    assert chains_flagged_broken() == {elsewhere, 0}


def chains_flagged_broken() -> set[int]:
    """The chains whose latest AUDIT_VERIFY event carries the broken flag."""
    latest = {}
    for event in AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY).order_by("id"):
        latest[event.chain] = event
    return {chain for chain, event in latest.items() if "integrity_broken" in event.flags}


def test_the_nightly_task_records_the_result(log):
    outcome = audit_verify_task.delay().get()
    assert outcome["ok"] is True
    event = AuditEvent.objects.get(pk=outcome["event_id"])
    assert event.action == AuditAction.AUDIT_VERIFY
    assert event.details["ok"] is True and event.details["first_break"] is None
    assert audit_integrity_latest(jobcenter_id=None).event_id == event.pk


def test_the_nightly_tasks_are_scheduled_and_expire():
    entries = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    for task in ("audit.tasks.audit_verify_task", "audit.tasks.audit_retention_task"):
        assert entries[task]["options"]["expires"] > 0


# -- The pure function on plain rows -------------------------------------------------------


def _chain(n, *, chain=1, start=1, prev=GENESIS_HASH):
    rows = []
    for sequence in range(start, start + n):
        content = {"chain": chain, "sequence": sequence, "action": "citizen.search"}
        digest = event_hash(content=content, prev_hash=prev)
        rows.append(
            EventRow.from_content(id=sequence * 10, prev_hash=prev, hash=digest, content=content)
        )
        prev = digest
    return rows


def test_the_pure_check_passes_several_chains_and_reports_each_head():
    one, two = _chain(4, chain=1), _chain(3, chain=2)
    result = chains_verify(one + two, heads={1: (4, one[-1].hash), 2: (3, two[-1].hash)})
    assert result.ok and result.events == 7 and result.chains == 2
    assert result.heads[2] == {"first": 1, "last": 3, "hash": two[-1].hash}


def test_the_pure_check_names_the_first_break_of_each_chain():
    one, two = _chain(4, chain=1), _chain(3, chain=2)
    del one[1]
    two[2] = two[2]._replace(hash="f" * 64)
    result = chains_verify(
        one + two, heads={1: (4, one[-1].hash), 2: (3, two[-1].hash), 3: (1, "e" * 64)}
    )
    assert [(b.chain, b.sequence, b.problem) for b in result.breaks] == [
        (1, 3, SEQUENCE_GAP),
        (2, 3, CONTENT_ALTERED),
        (3, None, HEAD_MISMATCH),  # a head with no events left at all
    ]
    assert result.first_break.event_id == 30
