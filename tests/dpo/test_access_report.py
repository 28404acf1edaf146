"""The citizen's access report: a period chosen by the DPO, repeated views in one visit
as one row, each access's purpose in words, times in the jobcenter's time zone."""

import datetime
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEvent
from dpo.access_report import access_report_rows

CPH = ZoneInfo("Europe/Copenhagen")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CPH)


def event(pk, when, action=AuditAction.CITIZEN_VIEW, user_id=1, **extra):
    values = {
        "pk": pk,
        "occurred_at": when,
        "action": action,
        "user_id": user_id,
        "username": f"user{user_id}",
        "role": "caseworker",
        "team": "Team A",
        "reason": "",
        "flags": [],
        "user": None,
    }
    values.update(extra)
    return SimpleNamespace(**values)


def test_it_groups_repeated_views_in_one_visit():
    events = [
        event(1, at(2026, 12, 2, 9, 0)),
        event(2, at(2026, 12, 2, 9, 10)),
        event(3, at(2026, 12, 2, 9, 35)),  # within 30 minutes of the one before
        event(4, at(2026, 12, 2, 11, 0)),  # a new visit
        event(5, at(2026, 12, 2, 9, 5), user_id=2),  # someone else
        event(6, at(2026, 12, 2, 9, 6), action=AuditAction.ESTIMATE_VIEW),  # another page
    ]
    rows = access_report_rows(events, include_names=False)
    assert [(r.started_at, r.occurred_at, r.count) for r in rows] == [
        (at(2026, 12, 2, 11, 0), at(2026, 12, 2, 11, 0), 1),
        (at(2026, 12, 2, 9, 6), at(2026, 12, 2, 9, 6), 1),
        (at(2026, 12, 2, 9, 5), at(2026, 12, 2, 9, 5), 1),
        (at(2026, 12, 2, 9, 0), at(2026, 12, 2, 9, 35), 3),
    ]


def test_it_names_the_purpose_in_words():
    events = [
        event(1, at(2026, 12, 2, 9, 0), action=AuditAction.CITIZEN_SEARCH, user_id=3),
        event(2, at(2026, 12, 2, 9, 1), user_id=3),  # just after a search
        event(3, at(2026, 12, 2, 9, 2)),  # from the caseload
        event(
            4,
            at(2026, 12, 2, 10, 0),
            action=AuditAction.BREAK_GLASS,
            user_id=2,
            reason="Borgeren mødte op",
        ),
        event(5, at(2026, 12, 2, 10, 1), user_id=2, flags=["outside_caseload"]),
        event(6, at(2026, 12, 2, 12, 0), action=AuditAction.ACCESS_REPORT, role="dpo"),
        event(7, at(2026, 12, 2, 13, 0), user_id=None, username="", role=""),
        event(8, at(2026, 12, 2, 14, 0), user_id=9, role="manager"),
    ]
    searches = [events[0]]
    rows = access_report_rows(events[1:], include_names=False, searches=searches)
    purposes = {(r.action_label, r.purpose, r.note) for r in rows}
    assert purposes == {
        ("Visning af borger", "Fundet ved søgning blandt teamets borgere", ""),
        ("Visning af borger", "Borger i medarbejderens sagsstamme (teamets borgere)", ""),
        (
            "Nødadgang",
            "Nødadgang: borgeren var ikke i medarbejderens sagsstamme",
            "Borgeren mødte op",
        ),
        ("Visning af borger", "Opslag under nødadgang", "Borgeren mødte op"),
        (
            "Indsigtsrapport for borger",
            "Databeskyttelsesrådgiveren besvarer en anmodning om indsigt",
            "",
        ),
        ("Visning af borger", "Systemets egen behandling", ""),
        ("Visning af borger", "Lederens opfølgning på teamets sager", ""),
    }
    assert all(r.action not in r.purpose for r in rows)  # no action codes


@pytest.fixture
def recorded_at(record, monkeypatch):
    def _record(when, **kwargs):
        monkeypatch.setattr(timezone, "now", lambda: when)
        try:
            return record(**kwargs)
        finally:
            monkeypatch.undo()

    return _record


def report_url(citizen, name="access_report"):
    return reverse(f"dpo:{name}", kwargs={"citizen_id": citizen.pk})


def test_it_reports_the_period_asked_for_in_local_time(
    login, dpo, citizen, caseworker, other_caseworker, recorded_at
):
    # 23.30 UTC on 30 November is 00.30 on 1 December in Copenhagen: inside December.
    first = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    recorded_at(first, action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)
    for minutes in (5, 20):
        recorded_at(
            first + datetime.timedelta(minutes=minutes),
            action=AuditAction.CITIZEN_VIEW,
            user=caseworker,
            citizen_id=citizen.pk,
        )
    recorded_at(
        datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC),
        action=AuditAction.CITIZEN_VIEW,
        user=other_caseworker,
        citizen_id=citizen.pk,
    )
    response = login(dpo).get(
        report_url(citizen), {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1. december 2026 kl. 00.30–00.50 (3 visninger)" in page
    assert "Team B" not in page  # the November view is outside the period
    assert "1. december 2026 – 1. december 2026" in page
    assert "Tider er dansk tid (Europe/Copenhagen)." in page
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT)
    assert event.details["period"] == {"from": "2026-12-01", "to": "2026-12-01"}
    assert event.details["rows"] == 3


def test_a_bad_period_is_refused_with_a_clear_message(login, dpo, citizen):
    client = login(dpo)
    response = client.get(report_url(citizen), {"date_from": "2026-12-05", "date_to": "2026-12-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Perioden slutter, før den begynder: fra-datoen ligger efter til-datoen." in page
    response = client.get(report_url(citizen, "access_report_pdf"), {"date_from": "ikke en dato"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_REPORT).exists()


@pytest.mark.parametrize("name", ["index", "break_glass"])
def test_the_dpo_pages_say_which_time_zone_they_show(login, dpo, name):
    page = login(dpo).get(reverse(f"dpo:{name}")).content.decode()
    assert "Tider er dansk tid (Europe/Copenhagen)." in page


def test_the_event_page_shows_local_time_and_says_so(login, dpo, caseworker, recorded_at):
    event = recorded_at(
        datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC),
        action=AuditAction.LOGIN,
        user=caseworker,
    )
    page = login(dpo).get(reverse("dpo:event", kwargs={"event_id": event.pk})).content.decode()
    assert "14:00:00" in page  # summer time: UTC+2
    assert "Tider er dansk tid (Europe/Copenhagen)." in page


def test_local_times_read_in_words_in_both_languages():
    from django.utils import translation

    from dpo.display import local_date_text, local_datetime_text

    moment = datetime.datetime(2026, 12, 2, 13, 5, tzinfo=datetime.UTC)  # 14.05 in Denmark
    with translation.override("da"):
        assert local_datetime_text(moment) == "2. december 2026 kl. 14.05"
        assert local_datetime_text(moment.isoformat()) == "2. december 2026 kl. 14.05"
        assert local_date_text("1992-04-17") == "17. april 1992"
    with translation.override("en"):
        assert local_datetime_text(moment) == "2 December 2026 at 14:05"
    assert local_datetime_text(None) == "" and local_date_text("") == ""


def test_the_subject_access_pdf_is_tagged_with_its_language(login, dpo, citizen):
    import zlib

    response = login(dpo).get(reverse("dpo:subject_access_pdf", kwargs={"citizen_id": citizen.pk}))
    content = response.content
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", response.content, re.S):
        try:
            content += zlib.decompress(stream)
        except zlib.error:
            continue
    assert re.search(rb"/Lang\s*\(da\)", content)
    assert b"/MarkInfo" in content and b"/StructTreeRoot" in content
