"""The DPO's reads that leave a trace: each one reads and records its own audit event in
one transaction (no event, no data), exactly one event per page or export.

The CSV export is the one exception to "one transaction": its event is committed first
and the rows are streamed afterwards, because holding the chain head's lock for the
minutes a large export takes would stop every other writer of the jobcenter's log. The
export holds exactly the matching events recorded before its own event, so it is still
fixed by the event that announces it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.checkpoints import audit_external_checkpoint_on_commit
from audit.keyset import Cursor, KeysetPage
from audit.models import AuditEvent
from audit.selectors import (
    AuditFilters,
    IntegrityStatus,
    audit_event_get_for_dpo,
    audit_events_for_dpo,
    audit_events_page,
    integrity_status,
)
from audit.services import audit_record
from casework.cpr import Cpr
from casework.models import Citizen
from dpo.access_report import SEARCH_BEFORE, AccessRow, access_report_rows
from dpo.citizens import citizen_find_by_cpr_for_dpo, citizen_get_for_dpo, citizen_labels
from dpo.selectors import citizen_access_events_in_period, citizen_searches_before
from dpo.subject_access import subject_access_data
from jobcenter.models import User


@dataclass(frozen=True)
class LogPage:
    page: KeysetPage
    citizen: Citizen | None
    citizen_labels: dict


@transaction.atomic
def audit_log_view(
    *, user: User, filters: AuditFilters, before: Cursor | None, after: Cursor | None
) -> LogPage:
    """One page of the filtered log. A citizen filter for a citizen outside the reader's
    jobcenter raises ``Citizen.DoesNotExist``."""
    citizen = None
    if filters.citizen_id:
        citizen = citizen_get_for_dpo(user=user, citizen_id=filters.citizen_id)
    page = audit_events_page(user=user, filters=filters, before=before, after=after)
    labels = citizen_labels(user=user, citizen_ids=(event.citizen_id for event in page.rows))
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        citizen_id=filters.citizen_id,
        object_type="audit_log",
        details={
            "view": "log",
            "filters": filters.as_details(),
            "page": "older" if before else "newer" if after else "first",
            "shown": len(page.rows),
        },
    )
    return LogPage(page=page, citizen=citizen, citizen_labels=labels)


@transaction.atomic
def audit_log_api_view(*, user: User, filters: AuditFilters, read) -> list:
    """One page of the filtered log for the API: ``read`` pages the matching events
    (the API's cursor pagination), and the read is recorded in the same transaction,
    as the page's is. A citizen filter outside the reader's jobcenter raises
    ``Citizen.DoesNotExist``."""
    if filters.citizen_id:
        citizen_get_for_dpo(user=user, citizen_id=filters.citizen_id)
    rows = list(read(audit_events_for_dpo(user=user, filters=filters)))
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        citizen_id=filters.citizen_id,
        object_type="audit_log",
        details={"view": "api", "filters": filters.as_details(), "shown": len(rows)},
    )
    return rows


@transaction.atomic
def audit_integrity_view(*, user: User) -> IntegrityStatus:
    """The integrity status alone: what an administrator sees of the log."""
    status = integrity_status(user=user)
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        object_type="audit_log",
        details={"view": "integrity", "state": status.state},
    )
    return status


@transaction.atomic
def audit_event_view(*, user: User, event_id: int) -> tuple[AuditEvent, dict]:
    """One event and the label of its citizen; ``AuditEvent.DoesNotExist`` outside the
    reader's jobcenter."""
    event = audit_event_get_for_dpo(user=user, event_id=event_id)
    labels = citizen_labels(user=user, citizen_ids=[event.citizen_id])
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        citizen_id=event.citizen_id,
        object_type="audit_event",
        object_id=str(event.pk),
        details={"view": "event"},
    )
    return event, labels


@transaction.atomic
def audit_citizen_search(*, user: User, cpr: Cpr) -> Citizen | None:
    """Finds a citizen of the reader's jobcenter by CPR number. The event records the
    kind of search and whether it hit, never the number."""
    citizen = citizen_find_by_cpr_for_dpo(user=user, cpr=cpr)
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        citizen_id=citizen.pk if citizen else None,
        object_type="audit_log",
        details={"view": "citizen_search", "kind": "cpr", "hits": 1 if citizen else 0},
    )
    return citizen


@transaction.atomic
def audit_export_start(*, user: User, filters: AuditFilters) -> AuditEvent:
    """Records the CSV export before a row leaves (see the module's docstring). A
    citizen filter outside the reader's jobcenter raises ``Citizen.DoesNotExist``."""
    if filters.citizen_id:
        citizen_get_for_dpo(user=user, citizen_id=filters.citizen_id)
    audit_external_checkpoint_on_commit(reason="dpo_export", user=user)
    return audit_record(
        action=AuditAction.AUDIT_EXPORT,
        user=user,
        citizen_id=filters.citizen_id,
        object_type="audit_log",
        details={"format": "csv", "filters": filters.as_details()},
    )


@dataclass(frozen=True)
class AccessReport:
    citizen: Citizen
    rows: list[AccessRow]
    include_names: bool
    generated_at: datetime.datetime
    generated_by: User
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    events: int = 0  # the events behind the rows

    @property
    def period(self) -> tuple | None:
        """The period asked for; else the first and last access shown."""
        if self.date_from or self.date_to:
            return self.date_from, self.date_to
        if not self.rows:
            return None
        return self.rows[-1].started_at, self.rows[0].occurred_at


def _access_rows(*, user, citizen, include_names, date_from=None, date_to=None):
    events = citizen_access_events_in_period(
        user=user,
        citizen_id=citizen.pk,
        date_from=date_from,
        date_to=date_to,
        with_names=include_names,
    )
    searches = citizen_searches_before(user=user, events=events, within=SEARCH_BEFORE)
    return events, access_report_rows(events, include_names=include_names, searches=searches)


@transaction.atomic
def access_report_produce(
    *,
    user: User,
    citizen_id,
    include_names: bool,
    output_format: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> AccessReport:
    """A citizen's access report: every recorded access to their data in the period
    (local dates, both included; no date: from the start, or up to now), newest first,
    repeated views in one visit as one row."""
    citizen = citizen_get_for_dpo(user=user, citizen_id=citizen_id)
    events, rows = _access_rows(
        user=user,
        citizen=citizen,
        include_names=include_names,
        date_from=date_from,
        date_to=date_to,
    )
    details = {"format": output_format, "include_names": include_names, "rows": len(events)}
    if date_from or date_to:
        details["period"] = {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        }
    audit_record(
        action=AuditAction.ACCESS_REPORT,
        user=user,
        citizen_id=citizen.pk,
        object_type="citizen",
        object_id=str(citizen.pk),
        details=details,
    )
    return AccessReport(
        citizen=citizen,
        rows=rows,
        include_names=include_names,
        generated_at=timezone.now(),
        generated_by=user,
        date_from=date_from,
        date_to=date_to,
        events=len(events),
    )


@transaction.atomic
def subject_access_produce(
    *, user: User, citizen_id, include_names: bool, output_format: str, language: str
) -> tuple[dict, AccessReport]:
    """Everything held about one citizen (GDPR art. 15), as JSON-ready data, and the
    access report it includes (for the PDF)."""
    citizen = citizen_get_for_dpo(user=user, citizen_id=citizen_id)
    events, rows = _access_rows(user=user, citizen=citizen, include_names=include_names)
    report = AccessReport(
        citizen=citizen,
        rows=rows,
        events=len(events),
        include_names=include_names,
        generated_at=timezone.now(),
        generated_by=user,
    )
    data = subject_access_data(
        citizen=citizen,
        access_rows=report.rows,
        include_names=include_names,
        language=language,
        generated_at=report.generated_at,
    )
    audit_record(
        action=AuditAction.SUBJECT_ACCESS_EXPORT,
        user=user,
        citizen_id=citizen.pk,
        object_type="citizen",
        object_id=str(citizen.pk),
        details={
            "format": output_format,
            "include_names": include_names,
            "sections": sorted(["citizen", "spells", "access_report", *data["records"]]),
        },
    )
    return data, report
