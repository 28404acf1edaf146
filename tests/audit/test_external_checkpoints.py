"""Signed checkpoints outside the database: written hourly and at every DPO export,
checked by verify_audit; a forged or altered line is reported; the DPO may list and
download their own chain's lines."""

import base64
import io
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit import checkpoints
from audit.actions import AuditAction
from audit.checkpoints import (
    audit_external_checkpoint_write,
    audit_external_checkpoints_verify,
    checkpoint_path,
    line_sign,
)
from audit.integrity import audit_chain_verify
from audit.models import AuditEvent
from audit.tasks import audit_external_checkpoint_task
from audit.verification import EXTERNAL_FORGED, EXTERNAL_MISMATCH, EXTERNAL_MISSING
from jobcenter.celery import app as celery_app
from tests.audit.helpers import raw, record, triggers_lifted


def _verify_audit():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return False, f"{out.getvalue()}{err.getvalue()}{exc}"
    return True, out.getvalue()


def _lines():
    return [json.loads(text) for text in checkpoint_path().read_text().splitlines()]


def _rewrite(lines):
    checkpoint_path().write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_a_checkpoint_covers_every_chain_head_and_verifies(caseworker, foreign_caseworker):
    for n in range(3):
        record(user=caseworker, details={"n": n})
        record(user=foreign_caseworker, details={"n": n})
    done = audit_external_checkpoint_write(reason="hourly")
    lines = _lines()
    assert {line["chain"] for line in lines} == set(done.heads)
    for line in lines:
        sequence, head_hash = done.heads[line["chain"]]
        assert (line["sequence"], line["hash"]) == (sequence, head_hash)
        assert len(line["hashes"]) == 16 * (line["sequence"] - line["first"] + 1)
    event = AuditEvent.objects.get(pk=done.event_id)
    assert event.action == AuditAction.AUDIT_EXTERNAL_CHECKPOINT
    assert event.details["reason"] == "hourly"

    # Later events and a second checkpoint: it starts where the first ended.
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    chain = caseworker.jobcenter_id
    first, second = [line for line in _lines() if line["chain"] == chain]
    assert second["first"] == first["sequence"] + 1
    ok, out = _verify_audit()
    assert ok, out
    assert audit_chain_verify().external_checkpoints == len(_lines())


def test_the_file_is_only_appended_to(caseworker):
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    before = checkpoint_path().read_bytes()
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    assert checkpoint_path().read_bytes().startswith(before)


def test_an_altered_line_is_reported_as_forged(caseworker):
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    lines = _lines()
    target = next(i for i, line in enumerate(lines) if line["chain"] == caseworker.jobcenter_id)
    lines[target]["sequence"] += 1  # the signature no longer covers what the line says
    _rewrite(lines)
    check = audit_external_checkpoints_verify()
    (broken,) = check.breaks
    assert broken.problem == EXTERNAL_FORGED and f"line {target + 1}" in broken.detail
    ok, out = _verify_audit()
    assert not ok and "forged" in out and f"checkpoints.jsonl line {target + 1}" in out


def test_a_line_signed_with_another_key_is_reported_as_forged(caseworker):
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    lines = _lines()
    lines.append(line_sign(dict(lines[0], reason="forged"), Ed25519PrivateKey.generate()))
    _rewrite(lines)
    (broken,) = audit_external_checkpoints_verify().breaks
    assert broken.problem == EXTERNAL_FORGED and f"line {len(lines)}" in broken.detail


def test_an_event_altered_and_rehashed_after_a_checkpoint_is_named(caseworker):
    """The attack in small, on any database: the triggers lifted, one event's content
    changed and every hash from it on recomputed, the head moved. The chain verifies;
    the checkpoint does not."""
    from audit.chain import event_hash

    events = [record(user=caseworker, details={"n": n}) for n in range(5)]
    audit_external_checkpoint_write(reason="hourly")
    chain = caseworker.jobcenter_id
    target = events[2]
    rows = list(
        AuditEvent.objects.filter(chain=chain, sequence__gte=target.sequence).order_by("sequence")
    )
    prev_hash = rows[0].prev_hash
    with triggers_lifted():
        for row in rows:
            if row.pk == target.pk:
                row.reason = "skjult"
            new_hash = event_hash(content=row.hashed_content(), prev_hash=prev_hash)
            raw(
                "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row.reason, prev_hash, new_hash, row.pk],
            )
            prev_hash = new_hash
        raw("UPDATE audit_chainhead SET hash = %s WHERE chain = %s", [prev_hash, chain])

    from audit.verification import audit_log_verify

    assert audit_log_verify().ok  # the chain alone is fooled
    (broken,) = audit_external_checkpoints_verify().breaks
    assert broken.problem == EXTERNAL_MISMATCH
    assert (broken.chain, broken.sequence, broken.event_id) == (chain, target.sequence, target.pk)
    ok, out = _verify_audit()
    assert not ok
    assert f"chain {chain}, sequence {target.sequence}, event id {target.pk}" in out


def test_the_hourly_task_is_scheduled_on_the_monitoring_queue(caseworker):
    entry = celery_app.conf.beat_schedule["audit-hourly-external-checkpoint"]
    assert entry["task"] == "audit.tasks.audit_external_checkpoint_task"
    assert entry["options"]["expires"] < 60 * 60
    route = celery_app.amqp.router.route({}, entry["task"])
    assert route["queue"].name == "monitoring"
    record(user=caseworker)
    result = audit_external_checkpoint_task.delay().get()
    assert result["chains"] >= 1 and checkpoint_path().exists()


def test_a_dpo_export_writes_a_checkpoint_that_covers_it(
    login, dpo, caseworker, django_capture_on_commit_callbacks
):
    record(user=caseworker)
    client = login(dpo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("dpo:export_csv"))
        b"".join(response.streaming_content)
    export = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).get()
    (written,) = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXTERNAL_CHECKPOINT)
    assert written.details["reason"] == "dpo_export"
    line = next(line for line in _lines() if line["chain"] == export.chain)
    assert line["sequence"] == export.sequence and line["hash"] == export.hash


def test_the_public_key_alone_verifies(caseworker, settings):
    record(user=caseworker)
    audit_external_checkpoint_write(reason="hourly")
    public = checkpoints.public_key_text(checkpoints.signing_key().public_key())
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = base64.urlsafe_b64encode(b"\0" * 32).decode()
    settings.AUDIT_CHECKPOINT_PUBLIC_KEY = public
    assert audit_external_checkpoints_verify().breaks == []


def test_no_checkpoint_file_is_no_break(caseworker):
    record(user=caseworker)
    check = audit_external_checkpoints_verify()
    assert (check.lines, check.breaks) == (0, [])


def test_a_checkpointed_event_that_is_gone_is_named(caseworker):
    events = [record(user=caseworker) for _ in range(3)]
    audit_external_checkpoint_write(reason="hourly")
    last = events[-1]
    with triggers_lifted():
        raw("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
        raw(
            "UPDATE audit_chainhead SET sequence = %s, hash = %s WHERE chain = %s",
            [events[-2].sequence, events[-2].hash, last.chain],
        )
    (broken,) = audit_external_checkpoints_verify().breaks
    assert broken.problem == EXTERNAL_MISSING and broken.sequence == last.sequence


def test_retention_after_a_checkpoint_is_not_tampering(jobcenter):
    import datetime

    from django.utils import timezone

    from audit.integrity import audit_retention_apply

    now = timezone.now()
    for days in (900, 800, 10, 5):
        record(jobcenter_id=jobcenter.pk, at=now - datetime.timedelta(days=days))
    audit_external_checkpoint_write(reason="hourly")
    (done,) = [r for r in audit_retention_apply(months=24) if r.chain == jobcenter.pk]
    assert done.deleted >= 2
    audit_external_checkpoint_write(reason="hourly")
    assert audit_external_checkpoints_verify().breaks == []
    ok, out = _verify_audit()
    assert ok, out


def test_places_are_each_recorded_once_in_order():
    from audit.checkpoints import _places, _Segment

    first = _Segment(
        line=1,
        written_at="t1",
        first=1,
        sequence=3,
        hash="c" * 64,
        hashes="a" * 16 + "b" * 16 + "c" * 16,
    )
    again = _Segment(line=2, written_at="t2", first=4, sequence=3, hash="c" * 64, hashes="")
    later = _Segment(
        line=3,
        written_at="t3",
        first=2,
        sequence=5,
        hash="e" * 64,
        hashes="b" * 16 + "c" * 16 + "d" * 16 + "e" * 16,
    )
    places = [
        (sequence, recorded[:1], segment.line)
        for sequence, recorded, segment in _places([later, again, first])
    ]
    assert places == [(1, "a", 1), (2, "b", 1), (3, "c", 1), (4, "d", 3), (5, "e", 3)]
