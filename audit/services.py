"""The one function every app calls to record an event."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditEvent, ChainHead
from jobcenter.request_context import current_request_context


class AuditOutsideTransaction(RuntimeError):
    pass


def audit_record(
    *,
    action: str,
    user: Any = None,
    jobcenter_id: int | None = None,
    citizen_id: Any = None,
    object_type: str = "",
    object_id: str = "",
    model_version_id: int | None = None,
    inputs_hash: str = "",
    output: Any = None,
    reason: str = "",
    flags: list[str] | tuple[str, ...] = (),
    details: dict | None = None,
) -> AuditEvent:
    """Appends one event to the jobcenter's hash chain, inside the caller's transaction.

    It must be called inside ``transaction.atomic()``: the event and the action it
    records commit together or not at all (no event, no action). The chain head is
    locked first, so concurrent writers are serialised and the chain never forks.
    """
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            "audit_record() must run inside the caller's transaction.atomic()"
        )
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if jobcenter_id is None and user is not None:
        jobcenter_id = user.jobcenter_id
    chain = jobcenter_id or 0
    context = current_request_context()

    # Lock the head before reading it: UPDATE takes the row lock on PostgreSQL and the
    # write lock on SQLite, so no two writers can read the same head.
    if not ChainHead.objects.filter(chain=chain).update(sequence=F("sequence") + 1):
        ChainHead.objects.get_or_create(chain=chain, defaults={"hash": GENESIS_HASH})
        ChainHead.objects.filter(chain=chain).update(sequence=F("sequence") + 1)
    head = ChainHead.objects.get(chain=chain)

    event = AuditEvent(
        chain=chain,
        sequence=head.sequence,
        occurred_at=timezone.now(),
        action=action,
        user=user,
        username=user.get_username() if user else "",
        role=(user.role or "") if user else "",
        team=user.team.name if user is not None and user.team_id else "",
        jobcenter_id=jobcenter_id,
        citizen_id=citizen_id,
        object_type=object_type,
        object_id=str(object_id),
        model_version_id=model_version_id,
        inputs_hash=inputs_hash,
        output=output,
        reason=reason,
        flags=sorted(flags),
        details=details or {},
        request_id=context.request_id if context else None,
        ip_address=context.ip_address if context else None,
        user_agent=context.user_agent if context else "",
        prev_hash=head.hash,
    )
    event.hash = event_hash(content=event.hashed_content(), prev_hash=head.hash)
    event.save()
    ChainHead.objects.filter(chain=chain).update(hash=event.hash)
    return event
