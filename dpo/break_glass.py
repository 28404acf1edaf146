"""The DPO's queue of break-the-glass accesses: caseworkers are told that such an access
"bliver gennemgået"; here it is. A read of the queue is an audit event like every other
DPO read, and so is each verdict, in the same transaction as the verdict itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from dpo.citizens import citizen_labels
from dpo.models import BreakGlassReview
from jobcenter.models import User

QUEUE_LIMIT = 200


def _events(user: User):
    return AuditEvent.objects.filter(
        chain=user.jobcenter_id, action=AuditAction.BREAK_GLASS
    ).order_by("-occurred_at", "-id")


def break_glass_unreviewed_count(*, user: User) -> int:
    """How many of the jobcenter's break-the-glass accesses no one has reviewed yet."""
    reviewed = BreakGlassReview.objects.filter(jobcenter_id=user.jobcenter_id).values("event_id")
    return _events(user).exclude(pk__in=reviewed).count()


@dataclass(frozen=True)
class BreakGlassQueue:
    unreviewed: list[AuditEvent]
    reviewed: list[tuple[AuditEvent, BreakGlassReview]]
    citizen_labels: dict


@transaction.atomic
def break_glass_queue_view(*, user: User) -> BreakGlassQueue:
    """The unreviewed accesses, oldest first so none waits forever, and the latest
    reviewed ones with their verdicts."""
    reviews = {
        review.event_id: review
        for review in BreakGlassReview.objects.filter(jobcenter_id=user.jobcenter_id)
        .select_related("reviewed_by")
        .order_by("-reviewed_at")[:QUEUE_LIMIT]
    }
    all_reviewed = BreakGlassReview.objects.filter(jobcenter_id=user.jobcenter_id).values(
        "event_id"
    )
    unreviewed = list(
        _events(user).exclude(pk__in=all_reviewed).order_by("occurred_at", "id")[:QUEUE_LIMIT]
    )
    reviewed_events = {e.pk: e for e in _events(user).filter(pk__in=list(reviews))}
    reviewed = [
        (reviewed_events[event_id], review)
        for event_id, review in reviews.items()
        if event_id in reviewed_events
    ]
    labels = citizen_labels(
        user=user,
        citizen_ids=[e.citizen_id for e in unreviewed] + [e.citizen_id for e, _ in reviewed],
    )
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        object_type="break_glass_queue",
        details={"unreviewed": len(unreviewed), "shown_reviewed": len(reviewed)},
    )
    return BreakGlassQueue(unreviewed=unreviewed, reviewed=reviewed, citizen_labels=labels)


@transaction.atomic
def break_glass_review_record(
    *, user: User, event_id: int, verdict: str, note: str = ""
) -> BreakGlassReview:
    """The DPO's verdict on one break-the-glass access of their own jobcenter. A verdict
    of "not justified" needs a note saying why. An event of another jobcenter, or not a
    break-the-glass event, raises ``AuditEvent.DoesNotExist``."""
    event = _events(user).get(pk=event_id)
    if verdict not in BreakGlassReview.Verdict.values:
        raise ValidationError({"verdict": _("Vælg, om adgangen var begrundet.")})
    note = note.strip()
    if verdict == BreakGlassReview.Verdict.NOT_JUSTIFIED and not note:
        raise ValidationError({"note": _("Skriv, hvorfor adgangen ikke var begrundet.")})
    if BreakGlassReview.objects.filter(event_id=event.pk).exists():
        raise ValidationError({"verdict": _("Adgangen er allerede gennemgået.")})
    review = BreakGlassReview.objects.create(
        jobcenter_id=user.jobcenter_id,
        event_id=event.pk,
        verdict=verdict,
        note=note,
        reviewed_by=user,
    )
    audit_record(
        action=AuditAction.BREAK_GLASS_REVIEW,
        user=user,
        citizen_id=event.citizen_id,
        object_type="audit_event",
        object_id=str(event.pk),
        reason=note,
        details={"verdict": verdict, "caseworker": event.username},
    )
    return review
