"""The log as CSV, streamed: pure functions on events, no database access of their own.

Times are in the jobcenter's time zone (``settings.TIME_ZONE``), with their UTC offset,
and the column after them names the zone.

Cells are quoted and formula starts neutralised, in the language's spreadsheet
conventions (``jobcenter.spreadsheets``). The apostrophe before a formula start stays
visible in a text editor: the price of safety."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import timezone

from audit.actions import AuditAction
from jobcenter.spreadsheets import BOM, csv_safe_cell, spreadsheet_writer

COLUMNS = (
    "occurred_at",
    "time_zone",
    "chain",
    "sequence",
    "action",
    "action_label",
    "username",
    "role",
    "team",
    "citizen_id",
    "object_type",
    "object_id",
    "model_version_id",
    "inputs_hash",
    "output",
    "reason",
    "flags",
    "details",
    "request_id",
    "ip_address",
    "user_agent",
    "prev_hash",
    "hash",
)


def _action_label(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


def event_row(event) -> list[str]:
    values = {
        "occurred_at": timezone.localtime(event.occurred_at).isoformat(),
        "time_zone": timezone.get_current_timezone_name(),
        "chain": event.chain,
        "sequence": event.sequence,
        "action": event.action,
        "action_label": _action_label(event.action),
        "username": event.username,
        "role": event.role,
        "team": event.team,
        "citizen_id": event.citizen_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "model_version_id": event.model_version_id,
        "inputs_hash": event.inputs_hash,
        "output": event.output,
        "reason": event.reason,
        "flags": ";".join(event.flags or []),
        "details": event.details or None,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    return [csv_safe_cell(values[column]) for column in COLUMNS]


class _Line:
    """A file-like object whose ``write`` hands back what it was given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable, *, language: str = "da") -> Iterator[str]:
    """The CSV text, one line at a time: a header, then one line per event."""
    writer = spreadsheet_writer(_Line(), language=language)
    yield BOM + writer.writerow(COLUMNS)
    for event in events:
        yield writer.writerow(event_row(event))
