"""Issue 13 in Chromium: a caseworker's day without snags. Caseload → citizen →
own judgement first → the estimate revealed → one short question (agree or disagree)
→ a correction (first with two mistakes at once) → feedback on a rule → the letter;
axe runs on every page, and the test reads what a person would read. Another team's
caseworker who follows a link gets a page that says there is no access and offers to
break the glass."""

import datetime
import re

import pytest

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import AssessmentSnapshot, Judgement, Meeting, RevealAnswer
from tests.browser.test_accessibility import severe_violations
from tests.browser.test_citizen_flow import login_with_keyboard

CITIZEN = re.compile(r"/citizens/[0-9a-f-]{36}/(#\w+)?$")
HINT = "Skal udfyldes, når du er uenig med modellen."


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _no_severe(axe, page):
    assert severe_violations(axe, page) == [], page.url


def test_a_caseworker_s_day_without_snags(page, axe, caseworker, citizen, active_version):
    # The snapshot is old by the latest meeting: the page must say so.
    spell = citizen.spells.get()
    AssessmentSnapshot.objects.filter(spell=spell).update(as_of=datetime.date(2026, 3, 3))
    Meeting.objects.create(spell=spell, number=3, held_on=datetime.date(2026, 11, 30))

    # The caseload.
    login_with_keyboard(page, "alice")
    assert page.locator(".count").inner_text() == "1 borger med åbent forløb"
    row = page.get_by_role("row", name=re.compile("Karen Jensen"))
    assert "Venter på vurdering" in row.inner_text()
    assert "3. august 2026" in row.inner_text()
    _no_severe(axe, page)

    # The citizen, judgement first: no estimate, and no hint about disagreeing yet.
    row.get_by_role("link", name="Karen Jensen").click()
    page.wait_for_url(CITIZEN)
    citizen_path = page.url.removeprefix(page.url.split("/citizens/")[0])
    assert page.get_by_role("heading", name="Karen Jensen", level=1).is_visible()
    assert (
        page.locator("#snapshot-age")
        .inner_text()
        .startswith(
            "Oplysningerne er fra 3. marts 2026, 8 måneder før seneste samtale (30. november 2026)."
        )
    )
    assert "Registrér først din egen vurdering" in page.locator("#estimate-message").inner_text()
    assert page.get_by_text(HINT).count() == 0
    assert "12 jobsøgninger" in page.locator("#input-job_search_activity").inner_text()
    _no_severe(axe, page)

    # My own judgement.
    form = page.locator("#judgement-form")
    form.get_by_label("Middel", exact=True).check()
    form.get_by_label("Planlagt næste skridt").select_option("guidance")
    form.get_by_role("button", name="Gem min vurdering").click()
    page.wait_for_url(re.compile(r"#judgement$"))
    assert page.locator("#judgement-agreement").inner_text() == "Har ikke set modellens estimat"
    assert page.locator("#estimate-probability").is_visible()

    # The estimate is revealed: one short question, not hidden behind a new judgement.
    question = page.locator("#reveal-form")
    assert question.is_visible()
    assert question.get_by_text("Nu hvor du har set modellens estimat: er du enig?").is_visible()
    assert question.get_by_text(HINT).is_visible()
    _no_severe(axe, page)

    # Disagree without a reason: both reasons are asked for, at the page's own address.
    question.get_by_label("Uenig", exact=True).check()
    question.get_by_role("button", name="Gem mit svar").click()
    page.wait_for_load_state()
    assert page.url.removeprefix(page.url.split("/citizens/")[0]) == citizen_path
    question = page.locator("#reveal-form")
    assert question.get_by_text("Vælg en begrundelse, når du er uenig.").is_visible()
    assert question.get_by_text("Skriv en begrundelse, når du er uenig.").is_visible()
    assert question.get_by_label("Uenig", exact=True).is_checked()  # nothing lost
    _no_severe(axe, page)
    question.get_by_label("Begrundelse", exact=True).select_option("known_information")
    question.get_by_label("Begrundelse med dine egne ord").fill("Hun har fået tilbudt et job.")
    question.get_by_role("button", name="Gem mit svar").click()
    page.wait_for_url(re.compile(r"#judgement$"))
    after = page.locator("#judgement-after-reveal").inner_text()
    assert after.startswith("Uenig med modellens estimat – Jeg kender oplysninger")
    assert "Hun har fået tilbudt et job." in after
    assert page.locator("#reveal-form").count() == 0
    assert page.locator("#judgement-agreement").inner_text() == "Har ikke set modellens estimat"
    (answer,) = RevealAnswer.objects.all()
    assert answer.agreement == "disagree" and answer.judgement == Judgement.objects.get()
    assert AuditEvent.objects.filter(action=AuditAction.JUDGEMENT_AFTER_REVEAL).count() == 1

    # A correction with a bad value and no source: both errors at once, the page's own
    # address, what I wrote kept.
    page.locator("#correct-age > summary").click()
    page.locator("#correct-age-value").fill("fyrre")
    page.locator("#correct-age-reason").fill("Borgeren siger 41")
    page.locator("#correct-age-submit").click()
    page.wait_for_load_state()
    assert page.url.removeprefix(page.url.split("/citizens/")[0]) == citizen_path
    assert page.locator("#correct-age-value-error").inner_text().startswith("Skriv et tal fra")
    assert (
        page.locator("#correct-age-source-error").inner_text()
        == "Skriv, hvor den rigtige oplysning kommer fra."
    )
    assert page.locator("#correct-age-value").input_value() == "fyrre"
    assert page.locator("#correct-age-reason").input_value() == "Borgeren siger 41"
    _no_severe(axe, page)
    page.locator("#correct-age-value").fill("41")
    page.locator("#correct-age-source").fill("CPR-registeret")
    page.locator("#correct-age-submit").click()
    page.wait_for_url(re.compile(r"#inputs$"))

    # My judgement and the estimate are not hidden again: the new estimate beside the
    # old one, with the judgement I made on the old data; the history lists it.
    assert page.locator("#estimate-probability").is_visible()
    assert "Før rettelsen af oplysningerne" in page.locator("#estimate-previous").inner_text()
    assert (
        "Din vurdering af oplysningerne dengang: Middel"
        in page.locator("#estimate-previous").inner_text()
    )
    assert page.locator("#judgement-band").inner_text() == "Middel"
    assert page.locator("#judgement-old-data").is_visible()
    history = page.locator("#judgement-history-table tbody tr")
    assert history.count() == 1
    text = history.first.inner_text()
    assert "Alice" in text and "Middel" in text and "Vejledning" in text
    assert "efter visning: Uenig med modellens estimat" in text
    assert "Oprindelige oplysninger (erstattet af en rettelse)" in text
    _no_severe(axe, page)

    # Feedback on a rule: once sent, it is shown as sent, not as a fresh form.
    page.locator("#feedback-1 > summary").click()
    page.locator("#feedback-1-irrelevant").check()
    page.locator("#feedback-1-submit").click()
    page.wait_for_url(re.compile(r"#estimate$"))
    assert page.locator("#feedback-1-sent").inner_text().startswith("Sendt til datateamet")
    assert page.locator("#feedback-1").count() == 0
    _no_severe(axe, page)

    # The letter.
    page.locator("#letter-link").click()
    page.wait_for_url(re.compile(r"/letter/$"))
    assert page.locator("#letter-title").is_visible()
    assert "CPR-registeret" in page.locator("#letter-input-age").inner_text()
    _no_severe(axe, page)


def test_the_citizen_page_and_the_caseload_in_english(
    browser,
    live_server,
    axe,
    caseworker,
    citizen,
):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_with_keyboard(page, "alice")
    row = page.get_by_role("row", name=re.compile("Karen Jensen"))
    assert "3 August 2026" in row.inner_text()
    assert page.locator(".count").inner_text() == "1 citizen with an open spell"
    row.get_by_role("link", name="Karen Jensen").click()
    page.wait_for_url(CITIZEN)
    text = page.locator("main").inner_text()
    assert "17 April 1992" in text and "17. April" not in text
    assert "12 applications" in page.locator("#input-job_search_activity").inner_text()
    assert "1 October 2026" in page.locator("#input-job_search_activity").inner_text()
    assert not re.search(r"\d\. [A-Z][a-z]+ \d{4}", text)
    assert severe_violations(axe, page) == []
    context.close()


def test_a_link_to_another_team_s_citizen(page, axe, other_caseworker, citizen):
    login_with_keyboard(page, "charlie")
    response = page.goto(f"/citizens/{citizen.pk}/")
    assert response.status == 403
    assert page.get_by_role("heading", name="Ingen adgang til borgeren", level=1).is_visible()
    main = page.locator("main").inner_text()
    assert "Karen Jensen" not in main and "170492" not in main
    assert page.locator("#break-glass-form").is_visible()
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_REFUSED, user_id=other_caseworker.pk, citizen_id=citizen.pk
    ).exists()
    assert severe_violations(axe, page) == []
    # Breaking the glass from here: the number typed, never in the address.
    form = page.locator("#break-glass-form")
    form.get_by_label("Borgerens CPR-nummer").fill("170492-1234")
    form.get_by_label("Årsag").select_option("colleague_absent")
    form.get_by_label("Begrundelse").fill("Alice er syg; borgeren har ringet.")
    form.get_by_role("button", name="Bryd glasset og se borgeren").click()
    page.wait_for_url(CITIZEN)
    assert "1704" not in page.url
    assert page.get_by_role("heading", name="Karen Jensen", level=1).is_visible()
