"""The one function every app calls to record an event."""

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditEvent, ChainHead
from jobcenter.request_context import current_request_context


class AuditOutsideTransaction(RuntimeError):
    pass


_HEAD_TABLE = ChainHead._meta.db_table


def _chain_head_advance(chain: int) -> tuple[int, str] | None:
    """Moves the chain's head one on and returns (new sequence, previous hash), or None
    when the chain has no head yet. PostgreSQL and SQLite (3.35+) both return the row
    from the UPDATE, so locking and reading the head is one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_HEAD_TABLE} SET sequence = sequence + 1 "  # noqa: S608 - fixed name
            "WHERE chain = %s RETURNING sequence, hash",
            [chain],
        )
        return cursor.fetchone()


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

    # Lock the head and read it in one statement: UPDATE takes the row lock on
    # PostgreSQL and the write lock on SQLite, so no two writers get the same head.
    head = _chain_head_advance(chain)
    if head is None:
        ChainHead.objects.get_or_create(chain=chain, defaults={"hash": GENESIS_HASH})
        head = _chain_head_advance(chain)
    sequence, prev_hash = head

    event = AuditEvent(
        chain=chain,
        sequence=sequence,
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
        prev_hash=prev_hash,
    )
    event.hash = event_hash(content=event.hashed_content(), prev_hash=prev_hash)
    event.save()
    ChainHead.objects.filter(chain=chain).update(hash=event.hash)
    return event
