"""Dates and times as the DPO's pages and the citizen's documents show them: in the
jobcenter's time zone (``settings.TIME_ZONE``, Europe/Copenhagen), in words
("2. december 2026 kl. 14.05"), and saying which time zone they are in.

Pure functions of a value and the active language; no database access."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def _english() -> bool:
    return (get_language() or "da").startswith("en")


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_datetime(value) -> datetime.datetime | None:
    if isinstance(value, str) and value:
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return timezone.localtime(value)


def local_date_text(value) -> str:
    """``2. december 2026`` (``2 December 2026`` in English); "" for nothing."""
    day = _as_date(value)
    if day is None:
        return ""
    if _english():
        return f"{day.day} {date_format(day, 'F Y')}"
    return f"{day.day}. {date_format(day, 'F Y')}"


def local_datetime_text(value) -> str:
    """``2. december 2026 kl. 14.05`` in the jobcenter's time zone (``2 December 2026
    at 14:05`` in English); "" for nothing. Takes a datetime or an ISO string."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    time = f"{moment:%H:%M}" if _english() else f"{moment:%H.%M}"
    return _("%(date)s kl. %(time)s") % {"date": local_date_text(moment), "time": time}


def local_time_text(value) -> str:
    """``14.05`` (``14:05``) in the jobcenter's time zone."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    return f"{moment:%H:%M}" if _english() else f"{moment:%H.%M}"


def time_zone_name() -> str:
    return timezone.get_current_timezone_name()


def time_zone_note() -> str:
    """The sentence that says which time zone the times of a page are in."""
    return _("Tider er dansk tid (%(zone)s).") % {"zone": time_zone_name()}
