"""axe-core (bundled with axe-playwright-python, injected from the installed package, so
nothing is downloaded) finds no serious or critical violations on the caseload page,
the citizen page with the estimate shown, and the letter in both languages."""

import re

import pytest

from tests.browser.test_citizen_flow import login_with_keyboard

SEVERE = {"serious", "critical"}


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def severe_violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} – "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in SEVERE
    ]


@pytest.fixture
def judgement_first_off(jobcenter):
    jobcenter.judgement_first = False
    jobcenter.save(update_fields=["judgement_first"])
    return jobcenter


def test_the_caseload_page_has_no_serious_violations(page, axe, caseworker, citizen):
    login_with_keyboard(page, "alice")
    assert page.get_by_role("row", name=re.compile("Karen Jensen")).is_visible()
    assert severe_violations(axe, page) == []


def test_the_citizen_page_with_the_estimate_has_no_serious_violations(
    page, axe, caseworker, citizen, active_version, judgement_first_off
):
    login_with_keyboard(page, "alice")
    page.goto(f"/citizens/{citizen.pk}/")
    assert page.locator("#estimate-probability").is_visible()
    assert page.locator("#rule-1").is_visible()
    # With the small forms open too, as a caseworker uses them.
    page.locator("#correct-age > summary").click()
    page.locator("#feedback-1 > summary").click()
    page.locator("#objection-form-box > summary").click()
    assert severe_violations(axe, page) == []


def test_the_citizen_page_before_the_judgement_has_no_serious_violations(
    page, axe, caseworker, citizen, active_version
):
    login_with_keyboard(page, "alice")
    page.goto(f"/citizens/{citizen.pk}/")
    assert page.locator("#judgement-form").is_visible()
    assert severe_violations(axe, page) == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_letter_has_no_serious_violations(
    page, axe, caseworker, citizen, active_version, judgement_first_off, language
):
    login_with_keyboard(page, "alice")
    page.goto(f"/citizens/{citizen.pk}/letter/?language={language}")
    assert page.locator("#letter-probability").is_visible()
    assert severe_violations(axe, page) == []


def test_the_check_itself_finds_a_serious_violation(page, axe):
    """So that an empty list above means something: a nameless button is critical."""
    page.set_content(
        '<html lang="da"><head><title>x</title></head><body><button></button></body></html>'
    )
    assert any(v.startswith("button-name (critical)") for v in severe_violations(axe, page))
