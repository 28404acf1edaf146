"""A check of the log's hash chains, started by the DPO from their page: the request
(one audit event, a run the page can follow) and the run itself, which verifies the
whole log and records the result exactly as the nightly check does."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.integrity import audit_verification_record
from audit.services import audit_record
from dpo.models import IntegrityCheckRun
from jobcenter.background import task_send
from jobcenter.models import User

logger = logging.getLogger(__name__)


def integrity_check_pending(*, user: User) -> IntegrityCheckRun | None:
    return (
        IntegrityCheckRun.objects.filter(
            jobcenter_id=user.jobcenter_id,
            state__in=[IntegrityCheckRun.State.QUEUED, IntegrityCheckRun.State.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )


def integrity_check_request(*, user: User) -> IntegrityCheckRun:
    """A queued check, or the one already queued or running for the jobcenter."""
    from dpo.tasks import integrity_check_task

    with transaction.atomic():
        pending = integrity_check_pending(user=user)
        if pending is not None:
            return pending
        run = IntegrityCheckRun.objects.create(jobcenter_id=user.jobcenter_id, requested_by=user)
        audit_record(
            action=AuditAction.AUDIT_VERIFY_REQUEST,
            user=user,
            object_type="integrity_check",
            object_id=str(run.pk),
        )
        task_send(
            integrity_check_task, kwargs={"run_id": run.pk}, on_failure=lambda: _unsent(run.pk)
        )
    return run


def _unsent(run_id: int) -> None:
    IntegrityCheckRun.objects.filter(pk=run_id, state=IntegrityCheckRun.State.QUEUED).update(
        state=IntegrityCheckRun.State.FAILED,
        message="Not sent: the queue (Redis) did not answer.",
        finished_at=timezone.now(),
    )


def integrity_check_execute(*, run_id: int) -> IntegrityCheckRun:
    run = IntegrityCheckRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    IntegrityCheckRun.objects.filter(pk=run_id).update(
        state=IntegrityCheckRun.State.RUNNING, started_at=timezone.now()
    )
    try:
        result, _event = audit_verification_record()
    except Exception as exc:  # the page says why; the nightly check still runs
        logger.exception("integrity check %s failed", run_id)
        IntegrityCheckRun.objects.filter(pk=run_id).update(
            state=IntegrityCheckRun.State.FAILED, message=str(exc)[:500], finished_at=timezone.now()
        )
    else:
        IntegrityCheckRun.objects.filter(pk=run_id).update(
            state=IntegrityCheckRun.State.SUCCEEDED,
            message=f"{result.events} events, ok={result.ok}",
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run
