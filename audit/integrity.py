"""The log's integrity: verifying the chain and recording the result (read back for the
DPO's front page by ``audit.selectors.integrity_status``), and retention (checkpoint
first, then delete in batches).

``verify_audit`` (the command) and the nightly tasks call these; see
``audit/verification.py`` for the check itself and ``audit/db.py`` for the triggers
that allow retention, and nothing else, to delete.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from audit.actions import AuditAction
from audit.db import RETENTION_FLOOR_MONTHS, TABLE
from audit.models import AuditEvent, ChainHead
from audit.services import audit_record
from audit.verification import VerificationResult, audit_log_verify

logger = logging.getLogger(__name__)

RETENTION_BATCH = 5_000
INTEGRITY_FLAG = "integrity_broken"


# -- Verification --------------------------------------------------------------------------


def audit_log_verify_all() -> VerificationResult:
    """The chain itself (``audit_log_verify``) and then the database against the signed
    checkpoints outside it (``audit.checkpoints``), which read first the file and then
    the database, so every checkpoint names committed events."""
    from audit.checkpoints import audit_external_checkpoints_verify, verification_add_external

    external = audit_external_checkpoints_verify()
    result = audit_log_verify()
    verification_add_external(result, external)
    return result


def audit_chain_verify() -> VerificationResult:
    """Verifies every chain of the log, and the log against the external checkpoints
    (reads only)."""
    return audit_log_verify_all()


def audit_verification_record() -> tuple[VerificationResult, AuditEvent]:
    """Verifies the whole log, then records the result in one transaction: in each
    jobcenter's chain an AUDIT_VERIFY event with that chain's part of it (what the
    jobcenter's DPO is shown), and one for the whole log (what an administrator is
    shown), each flagged when broken. Returns the result and the whole log's event."""
    result = audit_log_verify_all()
    if not result.ok:
        logger.error("Audit log verification failed: %s", result.first_break.describe())
    with transaction.atomic():
        for chain in sorted(result.counts):
            if chain == 0:  # events without a jobcenter: the whole log's event covers them
                continue
            details = result.chain_details(chain)
            audit_record(
                action=AuditAction.AUDIT_VERIFY,
                jobcenter_id=chain,
                object_type="audit_log",
                output={"ok": details["ok"]},
                flags=[] if details["ok"] else [INTEGRITY_FLAG],
                details=details,
            )
        event = audit_record(
            action=AuditAction.AUDIT_VERIFY,
            object_type="audit_log",
            output={"ok": result.ok},
            flags=[] if result.ok else [INTEGRITY_FLAG],
            details=result.as_details(),
        )
    return result, event


# -- Retention -----------------------------------------------------------------------------


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment ``months`` calendar months earlier (the day clamped to the month's
    length, as PostgreSQL's ``interval 'n months'`` does)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class ChainRetention:
    chain: int
    cut_sequence: int
    deleted: int
    checkpoint_id: int


def audit_retention_apply(
    *,
    now: datetime.datetime | None = None,
    months: int | None = None,
    batch_size: int = RETENTION_BATCH,
) -> list[ChainRetention]:
    """Removes events older than ``months`` (default ``AUDIT_RETENTION_MONTHS``) from
    every chain. Per chain, it first records an AUDIT_CHECKPOINT event naming the
    sequence it cuts at and the hash just before it, then deletes the events before the
    cut in batches (one transaction each, oldest first), then records an AUDIT_RETENTION
    event with the count. Idempotent: run again, it finds nothing to remove; interrupted,
    it carries on under the same checkpoint."""
    months = settings.AUDIT_RETENTION_MONTHS if months is None else months
    if months < RETENTION_FLOOR_MONTHS:
        raise ValueError(f"Audit retention is at least {RETENTION_FLOOR_MONTHS} months")
    cutoff = months_before(now or timezone.now(), months)
    results = []
    for chain in ChainHead.objects.order_by("chain").values_list("chain", flat=True):
        done = _chain_retention(chain=chain, cutoff=cutoff, months=months, batch_size=batch_size)
        if done is not None:
            results.append(done)
    return results


def _latest_checkpoint(chain: int) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(chain=chain, action=AuditAction.AUDIT_CHECKPOINT)
        .order_by("-sequence")
        .only("id", "sequence", "details")
        .first()
    )


def _chain_retention(
    *, chain: int, cutoff: datetime.datetime, months: int, batch_size: int
) -> ChainRetention | None:
    # The cut is the chain's first event that is not old: everything before it is
    # older than the cutoff, even if clocks made times and sequences disagree.
    events = AuditEvent.objects.filter(chain=chain)
    first_kept = events.filter(occurred_at__gte=cutoff).aggregate(first=Min("sequence"))
    cut = first_kept["first"]
    if cut is None:  # every event is old: cut after the last one (the checkpoint's place)
        cut = (events.aggregate(last=Max("sequence"))["last"] or 0) + 1
    if not events.filter(sequence__lt=cut).exists():
        return None

    with transaction.atomic():
        # Hold the head while the checkpoint is chosen and written.
        ChainHead.objects.select_for_update().filter(chain=chain).first()
        checkpoint = _latest_checkpoint(chain)
        if checkpoint is None or int(checkpoint.details.get("cut_sequence", 0)) < cut:
            cut_prev_hash = AuditEvent.objects.values_list("hash", flat=True).get(
                chain=chain, sequence=cut - 1
            )
            checkpoint = audit_record(
                action=AuditAction.AUDIT_CHECKPOINT,
                jobcenter_id=chain or None,
                object_type="audit_log",
                details={
                    "cut_sequence": cut,
                    "cut_prev_hash": cut_prev_hash,
                    "cutoff": cutoff.isoformat(),
                    "retention_months": months,
                },
            )

    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                AuditEvent.objects.filter(chain=chain, sequence__lt=cut)
                .order_by("sequence")
                .values_list("sequence", flat=True)[:batch_size]
            )
            if not batch:
                break
            # The ORM refuses deletes on this table; the trigger lets these rows go.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE chain = %s AND sequence <= %s",  # noqa: S608
                    [chain, batch[-1]],
                )
                deleted += cursor.rowcount

    if deleted:
        with transaction.atomic():
            audit_record(
                action=AuditAction.AUDIT_RETENTION,
                jobcenter_id=chain or None,
                object_type="audit_log",
                details={
                    "cut_sequence": cut,
                    "deleted": deleted,
                    "cutoff": cutoff.isoformat(),
                    "retention_months": months,
                    "checkpoint_id": checkpoint.pk,
                },
            )
        logger.info("Audit retention: chain %s, %s events before %s removed", chain, deleted, cut)
    return ChainRetention(
        chain=chain, cut_sequence=cut, deleted=deleted, checkpoint_id=checkpoint.pk
    )
