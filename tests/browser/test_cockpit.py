"""The managers' cockpit in Chromium, with the keyboard only: the manager lands on it,
narrows the figures to a team, reads the charts (drawn on the server, with the finding
as their text), sees a small cell hidden, downloads a table, and reads it in English;
axe-core finds no serious or critical violations. A caseworker who types the address
gets a 404."""

import re

from tests.browser.test_accessibility import severe_violations
from tests.browser.test_citizen_flow import login_with_keyboard
from tests.browser.test_dpo import focus_and_type
from tests.cockpit.conftest import computed, history  # noqa: F401 (fixtures)


def test_a_manager_reads_the_cockpit_with_the_keyboard(page, manager, computed, history):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    login_with_keyboard(page, "maria", landing=r"/cockpit/$")
    assert page.get_by_role("heading", name="Ledelsens overblik", level=1).is_visible()
    assert "Tallene er beregnet" in page.content()
    assert severe_violations(axe, page) == []

    # Every chart is an image drawn on the server; its text alternative is the finding.
    charts = page.locator("figure.chart img")
    assert charts.count() >= 3
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        chart.evaluate("img => img.decode()")
        assert chart.evaluate("img => img.naturalWidth") > 0
        assert len(chart.get_attribute("alt")) > 20
    assert "<5" in page.locator("table").first.inner_text()

    # Narrow to Team B: typing picks the team in the list, Tab past the benefit type to
    # "Vis", Enter sends.
    team_b = history.teams["b"]
    focus_and_type(page, "#id_team", "Team B")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"team={team_b.pk}"))
    assert "Viser team Team B." in page.content()
    assert page.locator("#id_team").input_value() == str(team_b.pk)
    assert severe_violations(axe, page) == []

    # A table's figures as CSV, with the same hidden cells.
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile("Hent tallene som CSV: Faglige vurderinger")
        ).press("Enter")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        body = handle.read()
    assert body.splitlines()[0] == '"Faglige vurderinger pr. måned"'
    assert '"<5"' in body

    # The same page in English.
    focus_and_type(page, "#language-select", "E")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Management cockpit')")
    assert "The work month by month" in page.content()


def test_a_caseworker_who_types_the_address_gets_a_404(page, caseworker, computed):  # noqa: F811
    login_with_keyboard(page, "alice")
    response = page.goto("/cockpit/")
    assert response.status == 404
