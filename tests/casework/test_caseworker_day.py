"""Issue 13, the caseworker's part: the snags of a working day, each with the test that
would have caught it. Every form here posts to the citizen page's own address (its
``action`` field names what to do), as the page's forms do."""

import datetime
import re

import pytest

from audit.actions import AuditAction
from casework.display import date_text, months_between, value_text
from casework.judgements import judgement_record
from casework.models import (
    Agreement,
    AssessmentSnapshot,
    Estimate,
    Judgement,
    Meeting,
    NextStep,
    RevealAnswer,
    RiskBand,
    RuleFeedback,
)
from casework.services import objection_record
from tests.casework.conftest import citizen_url, events, last_event_id
from tests.factories import default_feature_spec

HINT = "Skal udfyldes, når du er uenig med modellen."


def _snapshot(citizen):
    return AssessmentSnapshot.objects.filter(spell__citizen=citizen).order_by("-pk").first()


def _judge(user, citizen, band=RiskBand.MEDIUM):
    return judgement_record(
        user=user,
        citizen_id=citizen.pk,
        snapshot_id=_snapshot(citizen).pk,
        estimate_id=None,
        risk_band=band,
        agreement=Agreement.NOT_SEEN,
        next_step=NextStep.GUIDANCE,
    )


def _post(client, citizen, action, **data):
    return client.post(citizen_url(citizen), {"action": action, **data})


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dd|span|section|td)>', html, re.S)
    assert match, f"#{element_id} is not on the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


@pytest.fixture
def judged(login, caseworker, citizen, active_version):
    """Judgement first (the default): Alice has judged before seeing the estimate."""
    client = login(caseworker)
    judgement = _judge(caseworker, citizen)
    page = client.get(citizen_url(citizen)).content.decode()
    return client, judgement, Estimate.objects.get(), page


# -- 1. After the estimate is revealed, ask whether I agree ------------------------------


def test_the_hint_for_disagreeing_is_not_shown_before_the_estimate(
    login, caseworker, citizen, active_version
):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert 'id="estimate-probability"' not in page
    assert HINT not in page
    assert 'name="agreement"' not in page


def test_after_the_reveal_the_page_asks_one_short_question(judged):
    _, _, _, page = judged
    assert 'id="estimate-probability"' in page
    assert _text(page, "judgement-agreement") == "Har ikke set modellens estimat"
    form = page[
        page.index('id="reveal-form"') : page.index("</form>", page.index('id="reveal-form"'))
    ]
    assert "Nu hvor du har set modellens estimat: er du enig?" in form
    assert 'value="agree"' in form and 'value="disagree"' in form
    assert HINT in form
    # Not hidden behind "Registrér en ny vurdering": the question is outside that box.
    assert page.index('id="reveal-form"') < page.index('id="judgement-form-box"')


def test_agreeing_is_its_own_event_beside_the_first_judgement(judged, citizen, caseworker):
    client, judgement, estimate, _ = judged
    before = last_event_id()
    response = _post(
        client,
        citizen,
        "reveal",
        **{
            "reveal-judgement_id": judgement.pk,
            "reveal-estimate_id": estimate.pk,
            "reveal-agreement": "agree",
        },
    )
    assert response.status_code == 302
    answer = RevealAnswer.objects.get()
    assert (answer.judgement, answer.estimate, answer.agreement) == (judgement, estimate, "agree")
    judgement.refresh_from_db()
    assert judgement.agreement == Agreement.NOT_SEEN  # the first judgement is unchanged
    (event,) = events(since=before)
    assert event.action == AuditAction.JUDGEMENT_AFTER_REVEAL
    assert event.output["agreement"] == "agree" and event.output["model_band"] == estimate.band
    assert "disagreement" not in event.flags
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="reveal-form"' not in page
    assert _text(page, "judgement-after-reveal").startswith("Enig med modellens estimat")


def test_disagreeing_needs_a_reason_and_is_flagged(judged, citizen):
    client, judgement, estimate, _ = judged
    ids = {"reveal-judgement_id": judgement.pk, "reveal-estimate_id": estimate.pk}
    response = _post(client, citizen, "reveal", **ids, **{"reveal-agreement": "disagree"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vælg en begrundelse, når du er uenig." in page
    assert "Skriv en begrundelse, når du er uenig." in page
    assert not RevealAnswer.objects.exists()
    before = last_event_id()
    response = _post(
        client,
        citizen,
        "reveal",
        **ids,
        **{
            "reveal-agreement": "disagree",
            "reveal-reason_category": "known_information",
            "reveal-reason_text": "Hun har fået tilbudt et job.",
        },
    )
    assert response.status_code == 302
    (event,) = events(since=before)
    assert event.action == AuditAction.JUDGEMENT_AFTER_REVEAL and "disagreement" in event.flags
    assert event.reason == "Hun har fået tilbudt et job."


def test_the_question_is_answered_once(judged, citizen):
    client, judgement, estimate, _ = judged
    data = {
        "reveal-judgement_id": judgement.pk,
        "reveal-estimate_id": estimate.pk,
        "reveal-agreement": "agree",
    }
    assert _post(client, citizen, "reveal", **data).status_code == 302
    assert _post(client, citizen, "reveal", **data).status_code == 302  # refused, with a message
    assert RevealAnswer.objects.count() == 1


def test_no_question_when_the_estimate_was_seen_before_judging(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    judgement_record(
        user=caseworker,
        citizen_id=citizen.pk,
        snapshot_id=_snapshot(citizen).pk,
        estimate_id=Estimate.objects.get().pk,
        risk_band=RiskBand.LOW,
        agreement=Agreement.AGREE,
        next_step=NextStep.GUIDANCE,
    )
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="reveal-form"' not in page


# -- 2. A correction keeps my judgement and the estimate; the history is listed ----------


def _correct(client, citizen, value="41"):
    return _post(
        client,
        citizen,
        "correction",
        snapshot_id=_snapshot(citizen).pk,
        feature="age",
        value=value,
        source="CPR-registeret",
    )


def test_a_correction_keeps_the_judgement_and_shows_both_estimates(judged, citizen):
    client, judgement, _, _ = judged
    assert _correct(client, citizen).status_code == 302
    page = client.get(citizen_url(citizen)).content.decode()
    # The estimate is not hidden again: the caseworker has already judged.
    assert 'id="estimate-probability"' in page
    assert "Registrér først din egen vurdering" not in page
    # My judgement is still there, marked as made on the data before the correction.
    assert _text(page, "judgement-band") == "Middel"
    assert 'id="judgement-old-data"' in page
    # The new estimate beside the old one, with the judgement made on the old one.
    assert "Før rettelsen af oplysningerne: risikogruppe" in _text(page, "estimate-previous")
    assert "Din vurdering af oplysningerne dengang: Middel" in page


def test_the_history_lists_every_judgement_who_when_what_which_snapshot(judged, citizen, colleague):
    client, _, _, _ = judged
    _judge(colleague, citizen, band=RiskBand.HIGH)
    _correct(client, citizen)
    page = client.get(citizen_url(citizen)).content.decode()
    table = page[page.index('id="judgement-history-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr id=\"history-\d+\">(.*?)</tr>", table, re.S)
    assert len(rows) == 2
    texts = [re.sub(r"<[^>]+>", "|", row) for row in rows]
    assert "Bob" in texts[0] and "Høj" in texts[0]
    assert "Alice" in texts[1] and "Middel" in texts[1]
    for text in texts:
        assert "Har ikke set modellens estimat" in text
        assert "Oprindelige oplysninger (erstattet af en rettelse)" in text
        assert re.search(r"\d{1,2}\. \w+ \d{4}, \d\d:\d\d", text)


# -- 3. An objection stops the estimate, not the judgement -------------------------------


def test_an_objection_keeps_the_judgement_panel(login, caseworker, citizen, active_version):
    client = login(caseworker)
    objection_record(
        user=caseworker,
        citizen_id=citizen.pk,
        received_on=datetime.date(2026, 11, 2),
        channel="phone",
    )
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="estimate-probability"' not in page
    assert 'id="judgement-form"' in page and 'id="judgement-objection"' in page
    assert HINT not in page
    response = _post(
        client,
        citizen,
        "judgement",
        snapshot_id=_snapshot(citizen).pk,
        risk_band="high",
        next_step="mentor",
    )
    assert response.status_code == 302
    judgement = Judgement.objects.get()
    assert judgement.agreement == Agreement.NOT_SEEN and judgement.estimate_id is None
    assert events(AuditAction.JUDGEMENT_RECORD)


# -- 4. An old snapshot says how old it is -----------------------------------------------


def test_an_old_snapshot_says_how_old_its_information_is(login, caseworker, citizen):
    spell = citizen.spells.get()
    AssessmentSnapshot.objects.filter(spell=spell).update(as_of=datetime.date(2026, 3, 3))
    Meeting.objects.create(spell=spell, number=3, held_on=datetime.date(2026, 11, 30))
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert _text(page, "snapshot-age").startswith(
        "Oplysningerne er fra 3. marts 2026, 8 måneder før seneste samtale (30. november 2026)."
    )


def test_a_fresh_snapshot_says_nothing_of_its_age(login, caseworker, citizen):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert 'id="snapshot-age"' not in page


def test_months_between():
    assert months_between(datetime.date(2026, 3, 3), datetime.date(2026, 11, 30)) == 8
    assert months_between(datetime.date(2026, 3, 30), datetime.date(2026, 4, 2)) == 0
    assert months_between(datetime.date(2026, 3, 3), datetime.date(2026, 1, 1)) == 0


# -- 5. One number format, one date format, plurals ---------------------------------------


def _searches_feature():
    specification = default_feature_spec().specification
    return next(f for f in specification.inputs if f.name == "job_search_activity")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (1, "da", "1 jobsøgning"),
        (2, "da", "2 jobsøgninger"),
        (4946, "da", "4.946 jobsøgninger"),
        (1, "en", "1 application"),
        (4946, "en", "4,946 applications"),
    ],
)
def test_counts_take_singular_or_plural_and_the_language_s_number_format(value, language, expected):
    from django.utils import translation

    with translation.override(language):
        assert value_text(_searches_feature(), value, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("da", "15. juni 1994"), ("en", "15 June 1994")]
)
def test_dates_are_written_the_language_s_way(language, expected):
    from django.utils import translation

    with translation.override(language):
        assert date_text(datetime.date(1994, 6, 15), language) == expected
        assert date_text("1994-06-15", language) == expected


def _set_searches(citizen, value):
    snapshot = _snapshot(citizen)
    values = snapshot.values
    values["job_search_activity"]["value"] = value
    AssessmentSnapshot.objects.filter(pk=snapshot.pk).update(values=values)


@pytest.mark.parametrize(
    ("language", "birth", "searches", "meeting"),
    [
        ("da", "17. april 1992", "1 jobsøgning", "31. august 2026"),
        ("en", "17 April 1992", "1 application", "31 August 2026"),
    ],
)
def test_the_citizen_page_in_both_languages(
    login, caseworker, citizen, language, birth, searches, meeting
):
    _set_searches(citizen, 1)
    client = login(caseworker)
    client.cookies["django_language"] = language
    page = client.get(citizen_url(citizen)).content.decode()
    assert f"<dd>{birth}</dd>" in page
    assert searches in _text(page, "input-job_search_activity")
    assert meeting in page
    # The input's own date is written like every other date, not as ISO text.
    assert "2026-10-01" not in page
    if language == "en":
        assert not re.search(r"\d\. (January|April|August|September|October|November)", page)


@pytest.mark.parametrize(
    ("language", "start", "count"),
    [
        ("da", "3. august 2026", "1 borger med åbent forløb"),
        ("en", "3 August 2026", "1 citizen with an open spell"),
    ],
)
def test_the_caseload_in_both_languages(login, caseworker, citizen, language, start, count):
    from django.urls import reverse

    client = login(caseworker)
    client.cookies["django_language"] = language
    page = client.get(reverse("casework:caseload")).content.decode()
    assert start in page and count in page


# -- 7. Form errors ------------------------------------------------------------------------


def test_a_bad_value_and_no_source_are_both_reported_at_the_page_s_address(
    login, caseworker, citizen
):
    client = login(caseworker)
    response = _post(
        client,
        citizen,
        "correction",
        snapshot_id=_snapshot(citizen).pk,
        feature="age",
        value="fyrre",
        source="",
        reason="Borgeren siger 40",
    )
    assert response.status_code == 400
    assert response.request["PATH_INFO"] == citizen_url(citizen)
    page = response.content.decode()
    assert "Skriv et tal fra" in page
    assert "Skriv, hvor den rigtige oplysning kommer fra." in page
    assert 'value="fyrre"' in page and "Borgeren siger 40" in page  # nothing lost
    assert 'id="correct-age" open' in page


def test_every_form_on_the_page_posts_to_the_page(judged, citizen):
    _, _, _, page = judged
    main = page[page.index("<main") :]
    actions = set(re.findall(r'<form method="post" action="([^"]+)"', main))
    assert actions == {citizen_url(citizen)}


def test_feedback_already_sent_is_shown_as_sent(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    estimate = Estimate.objects.get()
    page = client.get(citizen_url(citizen)).content.decode()
    feature = re.search(r'name="feature" value="([^"]+)"', page[page.index('id="rules"') :])
    response = _post(
        client,
        citizen,
        "rule_feedback",
        estimate_id=estimate.pk,
        feature=feature.group(1),
        kind="misleading",
    )
    assert response.status_code == 302
    assert RuleFeedback.objects.count() == 1
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Sendt til datateamet" in _text(page, "feedback-1-sent")
    assert "Misvisende for denne borger" in _text(page, "feedback-1-sent")
    assert 'id="feedback-1"' not in page


def test_the_letter_tells_of_a_disagreement_given_after_the_reveal(judged, citizen):
    client, judgement, estimate, _ = judged
    _post(
        client,
        citizen,
        "reveal",
        **{
            "reveal-judgement_id": judgement.pk,
            "reveal-estimate_id": estimate.pk,
            "reveal-agreement": "disagree",
            "reveal-reason_category": "known_information",
            "reveal-reason_text": "Hun har fået tilbudt et job.",
        },
    )
    letter = client.get(citizen_url(citizen, "letter")).content.decode()
    assert "Din sagsbehandler er uenig i værktøjets skøn." in letter
