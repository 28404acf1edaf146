"""Keyset pagination over the log, newest first: pages are cut by the last event's
``(occurred_at, id)``, never by OFFSET, so a deep page costs the same as the first one
and an event arriving meanwhile neither repeats nor hides a row.

The cursor is ``<microseconds since the epoch>_<id>``: plain digits, safe in a URL."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
NEWEST_FIRST = ("-occurred_at", "-id")
OLDEST_FIRST = ("occurred_at", "id")


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime.datetime
    id: int


def cursor_encode(*, occurred_at: datetime.datetime, id: int) -> str:  # noqa: A002
    return f"{(occurred_at - EPOCH) // MICROSECOND}_{id}"


def cursor_decode(text: str | None) -> Cursor | None:
    """The cursor, or None for anything that is not one (a bad cursor shows page one)."""
    if not text:
        return None
    micro, sep, pk = text.partition("_")
    if not sep or not micro.lstrip("-").isdigit() or not pk.isdigit() or len(text) > 40:
        return None
    try:
        return Cursor(occurred_at=EPOCH + int(micro) * MICROSECOND, id=int(pk))
    except OverflowError:
        return None


def older_than(cursor: Cursor) -> Q:
    """``(occurred_at, id) < cursor``, written so the time index bounds the scan."""
    return Q(occurred_at__lte=cursor.occurred_at) & (
        Q(occurred_at__lt=cursor.occurred_at) | Q(id__lt=cursor.id)
    )


def newer_than(cursor: Cursor) -> Q:
    return Q(occurred_at__gte=cursor.occurred_at) & (
        Q(occurred_at__gt=cursor.occurred_at) | Q(id__gt=cursor.id)
    )


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    newer: str | None  # cursor for the page of newer events (``after=``), if any
    older: str | None  # cursor for the page of older events (``before=``), if any

    @property
    def is_first(self) -> bool:
        return self.newer is None


def keyset_page(
    *, queryset: QuerySet, before: Cursor | None = None, after: Cursor | None = None, size: int
) -> KeysetPage:
    """One page of ``queryset`` newest first: the ``size`` events just older than
    ``before``, or just newer than ``after`` (then still shown newest first), or the
    newest ones. One query, ``size + 1`` rows to know whether there is more."""
    if after is not None:
        rows = list(queryset.filter(newer_than(after)).order_by(*OLDEST_FIRST)[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = True
    else:
        if before is not None:
            queryset = queryset.filter(older_than(before))
        rows = list(queryset.order_by(*NEWEST_FIRST)[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = before is not None
    if not rows:
        # Past either end (a stale cursor): offer the way back to the newest events.
        return KeysetPage(rows=[], newer=None, older=None)
    first, last = rows[0], rows[-1]
    return KeysetPage(
        rows=rows,
        newer=cursor_encode(occurred_at=first.occurred_at, id=first.id) if more_newer else None,
        older=cursor_encode(occurred_at=last.occurred_at, id=last.id) if more_older else None,
    )
