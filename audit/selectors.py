"""Reads of the log for the DPO's pages, always within the reader's own jobcenter.

The log is read through its indexes: ``(citizen_id, occurred_at)`` for one citizen,
``(user, occurred_at)`` for one member of staff, ``(action, occurred_at)`` for one
action, a partial ``(jobcenter_id, occurred_at, id)`` index per marking for a filter
on flags (``audit.flags``), ``occurred_at`` otherwise; every list is newest first and
paged by keyset (``audit.keyset``)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.actions import AuditAction
from audit.flags import flag_condition
from audit.keyset import NEWEST_FIRST, Cursor, KeysetPage, keyset_page
from audit.models import AuditEvent
from audit.verification import ChainBreak
from jobcenter.models import Role, Team, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    citizen_id: uuid.UUID | None = None
    user: User | None = None
    team: str = ""
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)

    def as_details(self) -> dict[str, Any]:
        """What was filtered on, for the audit event (ids and names, never a CPR)."""
        details = {
            "citizen_id": str(self.citizen_id) if self.citizen_id else None,
            "user": self.user.get_username() if self.user else None,
            "team": self.team or None,
            "action": self.action or None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "flags": list(self.flags) or None,
        }
        return {key: value for key, value in details.items() if value is not None}


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_for_dpo(*, user: User, filters: AuditFilters | None = None) -> QuerySet:
    """The events of the reader's jobcenter that match ``filters`` (unordered)."""
    if user.jobcenter_id is None:
        return AuditEvent.objects.none()
    filters = filters or AuditFilters()
    events = AuditEvent.objects.filter(jobcenter_id=user.jobcenter_id)
    if filters.citizen_id:
        events = events.filter(citizen_id=filters.citizen_id)
    if filters.user is not None:
        events = events.filter(user_id=filters.user.pk)
    if filters.team:
        events = events.filter(team=filters.team)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(occurred_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        next_day = filters.date_to + datetime.timedelta(days=1)
        events = events.filter(occurred_at__lt=_local_midnight(next_day))
    if filters.flags:
        events = events.filter(flag_condition(filters.flags))
    return events


def audit_events_page(
    *,
    user: User,
    filters: AuditFilters,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> KeysetPage:
    return keyset_page(
        queryset=audit_events_for_dpo(user=user, filters=filters),
        before=before,
        after=after,
        size=size,
    )


def audit_events_export(*, user: User, filters: AuditFilters, up_to_id: int) -> QuerySet:
    """Every matching event recorded before event ``up_to_id`` (the export's own event),
    newest first, for streaming."""
    return (
        audit_events_for_dpo(user=user, filters=filters)
        .filter(id__lt=up_to_id)
        .order_by(*NEWEST_FIRST)
    )


def audit_event_get_for_dpo(*, user: User, event_id: int) -> AuditEvent:
    """One event of the reader's jobcenter; ``AuditEvent.DoesNotExist`` otherwise."""
    return audit_events_for_dpo(user=user).select_related("user").get(pk=event_id)


def citizen_access_events(*, user: User, citizen_id, with_names: bool = False) -> list:
    """Every event about one citizen in the reader's jobcenter, newest first: the
    citizen's access report. Reads the ``(citizen_id, occurred_at)`` index only."""
    events = audit_events_for_dpo(user=user).filter(citizen_id=citizen_id)
    fields = ["id", "occurred_at", "action", "role", "team", "reason", "flags", "object_type"]
    if with_names:
        events = events.select_related("user")
        fields += ["username", "user__first_name", "user__last_name", "user__username"]
    return list(events.only(*fields).order_by(*NEWEST_FIRST))


def staff_for_filter(*, user: User) -> QuerySet[User]:
    return User.objects.filter(jobcenter_id=user.jobcenter_id).order_by("username")


def team_names_for_filter(*, user: User) -> list[str]:
    return list(
        Team.objects.filter(jobcenter_id=user.jobcenter_id)
        .order_by("name")
        .values_list("name", flat=True)
    )


# -- The latest integrity check ---------------------------------------------------------


@dataclass(frozen=True)
class IntegrityStatus:
    """The latest recorded verification of one jobcenter's chain, or of the whole log."""

    state: str  # "unchecked" | "ok" | "failed"
    checked_at: datetime.datetime | None = None
    events_checked: int | None = None
    chains: int | None = None
    first_break: dict[str, Any] | None = None
    event_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.state == "failed"

    @property
    def first_broken(self) -> str:
        """The first broken event in words (English, as ``verify_audit`` prints it)."""
        if not self.first_break:
            return ""
        return ChainBreak(**self.first_break).describe()


def audit_integrity_latest(*, jobcenter_id: int | None) -> IntegrityStatus:
    """The latest AUDIT_VERIFY result of a jobcenter's chain, or with None of the whole
    log (``audit.integrity.audit_verification_record`` writes both). A short walk back
    along the (action, occurred_at) index: the nightly check writes one event a chain."""
    event = (
        AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY, chain=jobcenter_id or 0)
        .order_by("-occurred_at", "-id")
        .only("id", "occurred_at", "details")
        .first()
    )
    if event is None:
        return IntegrityStatus(state="unchecked")
    details = event.details or {}
    return IntegrityStatus(
        state="ok" if details.get("ok") is True else "failed",
        checked_at=event.occurred_at,
        events_checked=details.get("events"),
        chains=details.get("chains"),
        first_break=details.get("first_break"),
        event_id=event.pk,
    )


def integrity_status(*, user: User) -> IntegrityStatus:
    """What the reader is shown: a DPO the chain of their own jobcenter (each
    municipality is its own data controller); an administrator the whole log."""
    if user.has_role(Role.DPO) and user.jobcenter_id is not None:
        return audit_integrity_latest(jobcenter_id=user.jobcenter_id)
    return audit_integrity_latest(jobcenter_id=None)
