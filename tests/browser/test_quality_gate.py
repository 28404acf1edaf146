"""A version that fails the quality gate, in Chromium: the manager sees the red warning
on the model card and can approve only by ticking the acknowledgement and writing a
reason; once it is active, the caseworker sees the warning on the citizen page and in
the letter. axe finds no serious violations on the card or the citizen page."""

import re

import pytest

from audit.actions import AuditAction
from audit.models import AuditEvent
from prediction.models import ModelStatus
from prediction.registry import model_version_activate
from tests.browser.test_accessibility import severe_violations
from tests.factories import PASSWORD
from tests.prediction.test_quality_views import make_guess


def login(page, username):
    page.goto("/")
    page.wait_for_selector("#id_username:focus")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def judgement_first_off(jobcenter):
    jobcenter.judgement_first = False
    jobcenter.save(update_fields=["judgement_first"])
    return jobcenter


def test_the_gate_warns_everywhere_and_approval_needs_the_acknowledgement(
    browser, live_server, axe, citizen, analyst, manager, caseworker, judgement_first_off
):
    specification = citizen.spells.get().snapshots.get().specification
    version = make_guess(specification, trained_by=analyst)

    context = browser.new_context(base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, manager.username)
    page.goto(f"/models/{version.pk}/")
    warning = page.locator("#quality-warning")
    assert warning.is_visible()
    assert "ikke bedre end et gæt" in warning.inner_text()
    assert severe_violations(axe, page) == []

    # Without the tick the browser itself refuses; the reason is required too.
    form = page.locator("form[aria-labelledby='action-approve']")
    tick = form.get_by_label(re.compile("godkender den alligevel"))
    reason = form.get_by_label("Begrundelse for at godkende trods advarslen")
    assert tick.is_visible() and reason.is_visible()
    reason.fill("Afprøves i ét team, skønnet bruges ikke")
    form.get_by_role("button", name="Godkend").click()
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    tick.check()
    form.get_by_role("button", name="Godkend").click()
    page.wait_for_url(re.compile(rf"/models/{version.pk}/$"))
    version.refresh_from_db()
    assert version.status == ModelStatus.APPROVED
    event = AuditEvent.objects.get(action=AuditAction.MODEL_APPROVE)
    assert event.details["gate_acknowledged"] is True
    assert event.reason == "Afprøves i ét team, skønnet bruges ikke"
    context.close()
    model_version_activate(version=version, user=manager)

    context = browser.new_context(base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, caseworker.username)
    page.goto(f"/citizens/{citizen.pk}/")
    assert page.locator("#estimate-probability").is_visible()
    warning = page.locator("#quality-warning")
    assert warning.is_visible()
    assert "ikke bedre end et gæt" in warning.inner_text()
    assert severe_violations(axe, page) == []
    page.goto(f"/citizens/{citizen.pk}/letter/")
    letter_warning = page.locator("#letter-quality-warning")
    assert letter_warning.is_visible()
    assert "ikke bedre end et gæt" in letter_warning.inner_text()
    context.close()
