"""The DPO's log pages: closed to everyone else, each view audited once, filters,
keyset pagination, and a CPR search that never puts the number in a URL or a page."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH
from audit.keyset import cursor_decode, cursor_encode, keyset_page
from audit.models import AuditEvent
from audit.selectors import IntegrityStatus
from tests.audit.helpers import raw, triggers_lifted

INDEX = reverse("dpo:index")
SEARCH = reverse("dpo:citizen_search")
CPR = "1704921234"


def citizen_urls(citizen):
    return [
        reverse("dpo:access_report", kwargs={"citizen_id": citizen.pk}),
        reverse("dpo:access_report_pdf", kwargs={"citizen_id": citizen.pk}),
        reverse("dpo:subject_access_json", kwargs={"citizen_id": citizen.pk}),
        reverse("dpo:subject_access_pdf", kwargs={"citizen_id": citizen.pk}),
    ]


def all_urls(citizen, event):
    return [
        INDEX,
        f"{INDEX}?citizen={citizen.pk}",
        reverse("dpo:event", kwargs={"event_id": event.pk}),
        reverse("dpo:export_csv"),
        *citizen_urls(citizen),
    ]


@pytest.fixture
def event(record, caseworker, citizen):
    return record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)


@pytest.mark.parametrize(
    "persona", ["caseworker", "colleague", "other_caseworker", "manager", "analyst"]
)
def test_it_is_a_404_for_every_other_role(request, login, persona, citizen, event):
    client = login(request.getfixturevalue(persona))
    for url in all_urls(citizen, event):
        assert client.get(url).status_code == 404, url
    assert client.post(SEARCH, {"cpr": CPR}).status_code == 404


def test_a_foreign_dpo_sees_nothing_of_ours(login, foreign_dpo, citizen, event):
    client = login(foreign_dpo)
    for url in all_urls(citizen, event)[1:]:  # their own front page is theirs
        if url == reverse("dpo:export_csv"):
            continue
        assert client.get(url).status_code == 404, url
    assert client.get(f"{reverse('dpo:export_csv')}?citizen={citizen.pk}").status_code == 404
    page = client.get(INDEX).content.decode()
    assert "Karen Jensen" not in page and reverse("dpo:event", args=[event.pk]) not in page
    response = client.post(SEARCH, {"cpr": CPR})
    assert response.status_code == 200 and "Ingen borger med dette CPR-nummer" in (
        response.content.decode()
    )


def test_anonymous_users_are_sent_to_login(client, citizen, event):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_administrator_sees_only_the_integrity_status(login, administrator, citizen, event):
    client = login(administrator)
    response = client.get(INDEX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ikke kontrolleret endnu" in page
    assert "Karen Jensen" not in page and 'href="/audit/events/' not in page
    for url in all_urls(citizen, event)[2:]:
        assert client.get(url).status_code == 404, url
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW, user=administrator).count() == 1


def test_the_log_link_is_shown_to_the_dpo_only(login, dpo, caseworker, manager, db):
    assert 'href="/audit/"' in login(dpo).get(reverse("casework:caseload")).content.decode()
    for user in (caseworker, manager):
        page = login(user).get(reverse("casework:caseload")).content.decode()
        assert 'href="/audit/"' not in page


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("index", AuditAction.AUDIT_VIEW),
        ("citizen_index", AuditAction.AUDIT_VIEW),
        ("event", AuditAction.AUDIT_VIEW),
        ("export_csv", AuditAction.AUDIT_EXPORT),
        ("access_report", AuditAction.ACCESS_REPORT),
        ("access_report_pdf", AuditAction.ACCESS_REPORT),
        ("subject_access_json", AuditAction.SUBJECT_ACCESS_EXPORT),
        ("subject_access_pdf", AuditAction.SUBJECT_ACCESS_EXPORT),
    ],
)
def test_each_dpo_view_records_exactly_one_event(login, dpo, citizen, event, name, action):
    urls = {
        "index": INDEX,
        "citizen_index": f"{INDEX}?citizen={citizen.pk}",
        "event": reverse("dpo:event", kwargs={"event_id": event.pk}),
        "export_csv": reverse("dpo:export_csv"),
    }
    url = urls.get(name) or reverse(f"dpo:{name}", kwargs={"citizen_id": citizen.pk})
    before = AuditEvent.objects.filter(user=dpo).count()
    response = login(dpo).get(url)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    mine = AuditEvent.objects.filter(user=dpo).order_by("id")
    assert mine.count() == before + 1
    recorded = mine.last()
    assert recorded.action == action
    assert recorded.jobcenter_id == dpo.jobcenter_id
    if name not in ("index", "export_csv"):
        assert recorded.citizen_id == citizen.pk


def test_the_cpr_search_never_puts_the_number_in_a_url_or_a_page(login, dpo, citizen, event):
    client = login(dpo)
    response = client.post(SEARCH, {"cpr": "170492-1234"})
    assert response.status_code == 302
    location = response["Location"]
    assert location == f"{INDEX}?citizen={citizen.pk}"
    page = client.get(location).content.decode()
    assert "Karen Jensen" in page and "170492-XXXX" in page
    for text in (location, page):
        assert CPR not in text and "170492-1234" not in text and "1234" not in text
    searched = AuditEvent.objects.filter(user=dpo, details__view="citizen_search").get()
    assert searched.details == {"view": "citizen_search", "kind": "cpr", "hits": 1}
    assert searched.citizen_id == citizen.pk
    assert "1234" not in str(searched.hashed_content())


@pytest.mark.parametrize("entered", ["010101-4321", "3213921234", "abc"])
def test_a_failed_cpr_search_does_not_echo_the_number(login, dpo, citizen, entered):
    response = login(dpo).post(SEARCH, {"cpr": entered})
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert entered not in page and entered.replace("-", "") not in page
    assert 'value="' + entered not in page


def test_a_search_by_get_does_nothing(login, dpo, citizen):
    response = login(dpo).get(SEARCH, {"cpr": CPR})
    assert response.status_code == 302 and CPR not in response["Location"]
    assert not AuditEvent.objects.filter(user=dpo).exists()


def test_the_event_page_shows_the_whole_event(login, dpo, event, citizen):
    page = login(dpo).get(reverse("dpo:event", kwargs={"event_id": event.pk})).content.decode()
    assert event.hash in page and event.prev_hash in page
    assert "Visning af borger" in page and "alice" in page and "Karen Jensen (170492-XXXX)" in page


def test_an_event_of_another_jobcenter_is_a_404(login, dpo, foreign_caseworker, record):
    theirs = record(action=AuditAction.LOGIN, user=foreign_caseworker)
    response = login(dpo).get(reverse("dpo:event", kwargs={"event_id": theirs.pk}))
    assert response.status_code == 404


# -- Filters ----------------------------------------------------------------------------


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/audit/events/(\d+)/"', response.content.decode())]


@pytest.fixture
def mixed_log(record, caseworker, other_caseworker, manager, citizen):
    made = {
        "view": record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk),
        "other": record(action=AuditAction.CITIZEN_VIEW, user=other_caseworker),
        "glass": record(
            action=AuditAction.BREAK_GLASS,
            user=other_caseworker,
            citizen_id=citizen.pk,
            reason="Borgeren ringede",
            flags=["break_glass", "outside_caseload"],
        ),
        "outside": record(
            action=AuditAction.ESTIMATE_VIEW,
            user=other_caseworker,
            citizen_id=citizen.pk,
            flags=["outside_caseload"],
        ),
        "disagree": record(action=AuditAction.DISAGREEMENT, user=caseworker, citizen_id=citizen.pk),
        "failed": record(
            action=AuditAction.LOGIN_FAILED,
            jobcenter_id=caseworker.jobcenter_id,
            flags=["failed_login"],
        ),
        "cockpit": record(action=AuditAction.MODEL_APPROVE, user=manager),
    }
    return {name: event.pk for name, event in made.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "charlie"}, {"other", "glass", "outside"}),
        ({"team": "Team B"}, {"other", "glass", "outside"}),
        ({"action": "judgement.disagree"}, {"disagree"}),
        ({"flags": "break_glass"}, {"glass"}),
        ({"flags": "disagreement"}, {"disagree"}),
        ({"flags": "outside_caseload"}, {"glass", "outside"}),
        ({"flags": "failed_login"}, {"failed"}),
        ({"flags": ["failed_login", "disagreement"]}, {"failed", "disagree"}),
        ({"user": "alice", "action": "citizen.view"}, {"view"}),
    ],
)
def test_filters(login, dpo, mixed_log, query, expected):
    response = login(dpo).get(INDEX, query)
    assert response.status_code == 200
    ids = set(shown_ids(response))
    assert ids & set(mixed_log.values()) == {mixed_log[name] for name in expected}


def test_filter_by_citizen(login, dpo, mixed_log, citizen):
    ids = set(shown_ids(login(dpo).get(INDEX, {"citizen": str(citizen.pk)})))
    assert ids == {
        pk
        for pk in AuditEvent.objects.filter(citizen_id=citizen.pk).values_list("pk", flat=True)
        if pk in ids
    }
    assert {mixed_log[n] for n in ("view", "glass", "outside", "disagree")} <= ids
    assert mixed_log["other"] not in ids and mixed_log["cockpit"] not in ids


def test_filter_by_date_range(login, dpo, mixed_log):
    today = timezone.localdate()
    client = login(dpo)
    assert set(mixed_log.values()) <= set(shown_ids(client.get(INDEX, {"date_from": today})))
    yesterday = today - datetime.timedelta(days=1)
    assert shown_ids(client.get(INDEX, {"date_to": yesterday})) == []
    response = client.get(INDEX, {"date_from": today, "date_to": yesterday})
    assert "Fra-datoen ligger efter til-datoen" in response.content.decode()


def test_the_citizen_filter_refuses_a_citizen_of_another_jobcenter(login, dpo, foreign_caseworker):
    from tests.factories import make_citizen_with_spell

    theirs, _ = make_citizen_with_spell(team=foreign_caseworker.team, caseworker=foreign_caseworker)
    assert login(dpo).get(INDEX, {"citizen": str(theirs.pk)}).status_code == 404


# -- Keyset pagination ------------------------------------------------------------------


def bulk_events(jobcenter_id, times):
    """Events straight into the table (only INSERT is needed; the chain does not matter
    for paging), so several can share one timestamp."""
    rows = [
        AuditEvent(
            chain=9000 + jobcenter_id,
            sequence=i + 1,
            occurred_at=moment,
            action=AuditAction.CITIZEN_VIEW,
            jobcenter_id=jobcenter_id,
            prev_hash=GENESIS_HASH,
            hash=f"{i:064d}",
        )
        for i, moment in enumerate(times)
    ]
    AuditEvent.objects.bulk_create(rows)


def test_keyset_pages_have_no_gaps_or_duplicates_even_on_equal_times(login, dpo):
    start = timezone.now() - datetime.timedelta(days=3)
    times = [start + datetime.timedelta(seconds=i // 7) for i in range(173)]  # ties of 7
    bulk_events(dpo.jobcenter_id, times)
    expected = list(
        AuditEvent.objects.filter(jobcenter_id=dpo.jobcenter_id)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )
    client = login(dpo)
    response = client.get(INDEX)
    pages = [shown_ids(response)]
    while 'rel="next"' in response.content.decode():
        older = re.search(r'before=([0-9_-]+)" rel="next"', response.content.decode()).group(1)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INDEX, {"before": older})
        assert not any("OFFSET" in query["sql"].upper() for query in queries.captured_queries)
        pages.append(shown_ids(response))
    walked = [pk for page in pages for pk in page]
    assert walked == expected
    assert all(len(page) == 50 for page in pages[:-1])
    # ... and back again, by the "newer" links.
    back = [shown_ids(response)]
    while 'rel="prev"' in response.content.decode():
        newer = re.search(r'after=([0-9_-]+)" rel="prev"', response.content.decode()).group(1)
        response = client.get(INDEX, {"after": newer})
        back.append(shown_ids(response))
    # The walk's own page views were logged meanwhile: they come first, and only them.
    walked_back = [pk for page in reversed(back) for pk in page]
    views = set(
        AuditEvent.objects.filter(user=dpo, action=AuditAction.AUDIT_VIEW).values_list(
            "pk", flat=True
        )
    )
    assert [pk for pk in walked_back if pk not in views] == expected
    shown_views = views - {max(views)}  # the last request logs itself after reading
    assert set(walked_back[: len(shown_views)]) == shown_views


def test_keyset_page_function_with_ties(db, dpo):
    start = timezone.now()
    bulk_events(dpo.jobcenter_id, [start] * 5 + [start - datetime.timedelta(seconds=1)] * 5)
    events = AuditEvent.objects.filter(chain=9000 + dpo.jobcenter_id)
    first = keyset_page(queryset=events, size=4)
    second = keyset_page(queryset=events, before=cursor_decode(first.older), size=4)
    third = keyset_page(queryset=events, before=cursor_decode(second.older), size=4)
    ids = [e.pk for e in first.rows + second.rows + third.rows]
    assert ids == list(events.order_by("-occurred_at", "-id").values_list("pk", flat=True))
    assert third.older is None and first.newer is None
    assert (
        keyset_page(queryset=events, after=cursor_decode(second.newer), size=4).rows == first.rows
    )


@pytest.mark.parametrize("text", ["", "x", "1_", "_1", "1-2", "99999999999999999999999_1", "1_2_3"])
def test_a_bad_cursor_is_ignored(text):
    assert cursor_decode(text) is None


def test_the_cursor_round_trips():
    moment = datetime.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=datetime.UTC)
    cursor = cursor_decode(cursor_encode(occurred_at=moment, id=42))
    assert cursor.occurred_at == moment and cursor.id == 42


# -- Integrity status -------------------------------------------------------------------


def test_a_failed_check_is_red_and_says_so_in_words():
    first_break = {
        "chain": 1,
        "sequence": 17,
        "event_id": 42,
        "problem": "content_altered",
        "detail": "",
    }
    status = IntegrityStatus(state="failed", first_break=first_break)
    html = render_to_string("dpo/_integrity.html", {"integrity": status})
    assert "integrity-failed" in html and "FEJL" in html and 'role="alert"' in html
    assert "sequence 17" in html and "id 42" in html


def test_the_front_page_shows_a_real_failed_verification_in_red(
    login, dpo, caseworker, foreign_dpo, record
):
    """An event of the DPO's jobcenter altered behind the triggers: the nightly check
    (here the command) records the break, and the DPO's front page turns red, naming it.
    The DPO of another municipality, whose chain is intact, is not alarmed."""
    altered = record(action=AuditAction.CITIZEN_SEARCH, user=caseworker)
    record(action=AuditAction.CITIZEN_SEARCH, user=foreign_dpo)
    with triggers_lifted():
        raw("UPDATE audit_auditevent SET username = 'mallory' WHERE id = %s", [altered.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", "--record", stdout=io.StringIO(), stderr=io.StringIO())
    page = login(dpo).get(INDEX).content.decode()
    assert "integrity-failed" in page and "FEJL" in page
    assert f"event id {altered.pk}" in page
    elsewhere = login(foreign_dpo).get(INDEX).content.decode()
    assert "integrity-ok" in elsewhere and "FEJL" not in elsewhere


def test_the_front_page_shows_the_integrity_status(login, dpo, db):
    client = login(dpo)
    page = client.get(INDEX).content.decode()
    assert "Kontrol af loggens kæde" in page
    assert "integrity-unchecked" in page and "Ikke kontrolleret endnu" in page
    call_command("verify_audit", "--record", stdout=io.StringIO())
    page = client.get(INDEX).content.decode()
    assert "integrity-ok" in page and "integrity-unchecked" not in page
    assert "hændelser kontrolleret" in page


def test_an_unknown_username_is_an_error_not_an_empty_filter(login, dpo, mixed_log):
    response = login(dpo).get(INDEX, {"user": "nobody"})
    assert "Ingen medarbejder i jobcentret med det brugernavn" in response.content.decode()
    assert login(dpo).get(reverse("dpo:export_csv"), {"user": "nobody"}).status_code == 400
