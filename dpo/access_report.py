"""The rows of the citizen's access report (like sundhed.dk's *Min Log*): pure
functions on audit events, no database access of their own.

Repeated views of the same page in one visit become one row (same member of staff,
same action, same purpose, each view within ``VISIT_GAP`` of the one before), with the
number of views and the first and last time. Each row names its purpose in words: a
citizen opened from the team's caseload, found by a search, seen under break the glass
(with the reason given), the DPO's own review, or the system's own work."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actions import AuditAction
from audit.flags import AuditFlag
from jobcenter.models import Role

SYSTEM_ROLE_LABEL = gettext_lazy("System")
VISIT_GAP = datetime.timedelta(minutes=30)
SEARCH_BEFORE = datetime.timedelta(minutes=15)  # a view this soon after a search came from it

_DPO_REQUESTS = {AuditAction.ACCESS_REPORT, AuditAction.SUBJECT_ACCESS_EXPORT}
_BREAK_GLASS_FLAGS = {AuditFlag.BREAK_GLASS, AuditFlag.OUTSIDE_CASELOAD}


@dataclass(frozen=True)
class AccessRow:
    occurred_at: datetime.datetime  # the last time in the visit
    action: str
    purpose: str
    role: str
    team: str
    name: str  # empty unless the DPO chose to include names
    note: str  # the reason given for break-the-glass access
    first_at: datetime.datetime | None = None  # the first time in the visit
    count: int = 1
    action_label: str = ""

    @property
    def started_at(self) -> datetime.datetime:
        return self.first_at or self.occurred_at

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["first_at"] = self.started_at.isoformat()
        return data


def action_label(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


def role_label(role: str | None) -> str:
    if not role:
        return str(SYSTEM_ROLE_LABEL)
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def _staff_name(event) -> str:
    user = event.user if event.user_id else None
    if user is not None:
        return user.get_full_name() or user.get_username()
    return event.username


def _staff_key(event) -> tuple:
    return (event.user_id, event.username)


def access_purpose(event, *, after_search: bool) -> str:
    """What an access was for, in words (without a break-the-glass reason)."""
    flags = set(event.flags or [])
    if event.action == AuditAction.BREAK_GLASS:
        return _("Nødadgang: borgeren var ikke i medarbejderens sagsstamme")
    if flags & _BREAK_GLASS_FLAGS:
        return _("Opslag under nødadgang")
    if not event.user_id and not event.username:
        return _("Systemets egen behandling")
    if event.role == Role.DPO:
        if event.action in _DPO_REQUESTS:
            return _("Databeskyttelsesrådgiveren besvarer en anmodning om indsigt")
        return _("Databeskyttelsesrådgiverens kontrol af loggen")
    if event.role == Role.ANALYST:
        return _("Analytikerens arbejde med modellen")
    if event.role == Role.MANAGER:
        return _("Lederens opfølgning på teamets sager")
    if after_search:
        return _("Fundet ved søgning blandt teamets borgere")
    return _("Borger i medarbejderens sagsstamme (teamets borgere)")


def access_report_rows(
    events: Sequence,
    *,
    include_names: bool,
    searches: Iterable = (),
    gap: datetime.timedelta = VISIT_GAP,
) -> list[AccessRow]:
    """The report's rows, newest first, from ``events`` (any order) and the
    ``searches`` (citizen searches with hits by the same staff, any order)."""
    search_times: dict[tuple, list[datetime.datetime]] = {}
    for search in searches:
        search_times.setdefault(_staff_key(search), []).append(search.occurred_at)
    reasons: dict[tuple, str] = {}  # the latest break-the-glass reason per member of staff
    open_rows: dict[tuple, int] = {}
    rows: list[AccessRow] = []
    for event in sorted(events, key=lambda e: (e.occurred_at, e.pk)):
        staff = _staff_key(event)
        flags = set(event.flags or [])
        note = ""
        if event.action == AuditAction.BREAK_GLASS:
            note = event.reason
            reasons[staff] = event.reason
        elif flags & _BREAK_GLASS_FLAGS:
            note = reasons.get(staff, "")
        after_search = any(
            datetime.timedelta(0) <= event.occurred_at - at <= SEARCH_BEFORE
            for at in search_times.get(staff, ())
        )
        # the visit is one row whatever led to it: its purpose is that of its first view
        key = (staff, event.action, access_purpose(event, after_search=False), note)
        index = open_rows.get(key)
        if index is not None and event.occurred_at - rows[index].occurred_at <= gap:
            rows[index] = replace(
                rows[index], occurred_at=event.occurred_at, count=rows[index].count + 1
            )
            continue
        open_rows[key] = len(rows)
        rows.append(
            AccessRow(
                occurred_at=event.occurred_at,
                first_at=event.occurred_at,
                action=event.action,
                action_label=action_label(event.action),
                purpose=access_purpose(event, after_search=after_search),
                role=role_label(event.role),
                team=event.team,
                name=_staff_name(event) if include_names else "",
                note=note,
            )
        )
    rows.reverse()
    return rows
