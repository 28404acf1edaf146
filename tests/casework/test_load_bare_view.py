"""The load test's bare view (bench/load_views.py) is only a fair yardstick while it sends
the citizen page's own statements and writes its events: it fell behind once unnoticed
(it imported a permission expression the page no longer had). Here the page and the bare
view open the same citizens, and their reads are compared statement by statement."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from tests.casework.conftest import judge_before_seeing
from tests.factories import make_citizen_with_spell

pytestmark = pytest.mark.urls("bench.load_urls")

MOMENT = re.compile(r"'?\d{4}-\d\d-\d\d[T ][\d:.+]+'?(::timestamptz)?")


def _reads(client, url) -> tuple[list[str], str]:
    """The request's SELECT statements after the session's (whose expiry is the time of
    asking), with moments blanked, and the body."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert "django_session" in selects[0]
    return [MOMENT.sub("?", sql) for sql in selects[1:]], response.content.decode()


def _actions(since: int) -> list[str]:
    events = AuditEvent.objects.filter(pk__gt=since).order_by("pk")
    return list(events.values_list("action", flat=True))


def test_the_bare_view_sends_the_pages_reads_and_writes_its_events(
    login, caseworker, citizen, team_a, active_version, other_caseworker
):
    client = login(caseworker)
    before_meeting_2, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=1)
    for who in (citizen, before_meeting_2):
        client.get(f"/citizens/{who.pk}/")  # warm: the estimate row, caches
        last = AuditEvent.objects.order_by("-pk").first().pk
        page, html = _reads(client, f"/citizens/{who.pk}/")
        page_events = _actions(last)
        last = AuditEvent.objects.order_by("-pk").first().pk
        bare, body = _reads(client, f"/bench/citizen/{who.pk}/")
        assert bare == page
        assert _actions(last) == page_events == ["citizen.view"]
        assert body == "ok"
    # Judged first, the estimate is shown: both write the estimate view too.
    judge_before_seeing(caseworker, citizen)
    client.get(f"/citizens/{citizen.pk}/")
    last = AuditEvent.objects.order_by("-pk").first().pk
    page, html = _reads(client, f"/citizens/{citizen.pk}/")
    assert 'id="estimate-probability"' in html
    page_events = _actions(last)
    last = AuditEvent.objects.order_by("-pk").first().pk
    bare, body = _reads(client, f"/bench/citizen/{citizen.pk}/")
    assert bare == page and body == "estimate"
    assert _actions(last) == page_events == ["citizen.view", "estimate.view"]
    # A citizen of another team: the bare view answers 404 (the page its refusal).
    assert login(other_caseworker).get(f"/bench/citizen/{citizen.pk}/").status_code == 404
