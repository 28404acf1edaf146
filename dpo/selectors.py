"""The DPO's reads of the log for one citizen's access report, scoped to the reader's
jobcenter (``audit.selectors.audit_events_for_dpo``)."""

from __future__ import annotations

import datetime

from audit.actions import AuditAction
from audit.keyset import NEWEST_FIRST
from audit.selectors import AuditFilters, audit_events_for_dpo
from jobcenter.models import User

_FIELDS = [
    "id",
    "occurred_at",
    "action",
    "user_id",
    "username",
    "role",
    "team",
    "reason",
    "flags",
    "object_type",
]


def citizen_access_events_in_period(
    *,
    user: User,
    citizen_id,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    with_names: bool = False,
) -> list:
    """Every event about one citizen in the period (local dates, both included),
    newest first; one query."""
    filters = AuditFilters(citizen_id=citizen_id, date_from=date_from, date_to=date_to)
    events = audit_events_for_dpo(user=user, filters=filters)
    fields = list(_FIELDS)
    if with_names:
        events = events.select_related("user")
        fields += ["user__first_name", "user__last_name", "user__username"]
    return list(events.only(*fields).order_by(*NEWEST_FIRST))


def citizen_searches_before(*, user: User, events: list, within: datetime.timedelta) -> list:
    """The citizen searches with hits by the staff behind ``events``, from ``within``
    before the first event to the last: where a view may have come from. One query,
    none when there are no events."""
    staff = {event.user_id for event in events if event.user_id}
    if not staff:
        return []
    first = min(event.occurred_at for event in events)
    last = max(event.occurred_at for event in events)
    return list(
        audit_events_for_dpo(user=user)
        .filter(
            action=AuditAction.CITIZEN_SEARCH,
            user_id__in=staff,
            occurred_at__gte=first - within,
            occurred_at__lte=last,
        )
        .exclude(details__hits=0)
        .only("id", "occurred_at", "user_id", "username")
    )
