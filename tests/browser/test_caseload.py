"""A caseworker logs in with the keyboard and sees their caseload; another team's
caseworker does not see the citizen."""

import re

from tests.factories import PASSWORD


def _login(page, username):
    page.goto("/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_label("Adgangskode").press("Enter")


def test_a_caseworker_logs_in_and_sees_their_caseload(page, caseworker, citizen):
    _login(page, "alice")
    page.wait_for_url(re.compile(r"/citizens/$"))
    assert page.get_by_role("heading", name="Min sagsstamme").is_visible()
    row = page.get_by_role("row", name=re.compile("Karen Jensen"))
    assert row.is_visible()
    assert "170492-XXXX" in row.inner_text()
    page.get_by_role("link", name="Karen Jensen").click()
    page.wait_for_url(re.compile(r"/citizens/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name="Karen Jensen").is_visible()
    assert "1234" not in page.url


def test_a_cpr_search_never_puts_the_number_in_the_url(page, caseworker, citizen):
    _login(page, "alice")
    page.wait_for_url(re.compile(r"/citizens/$"))
    page.get_by_label("CPR-nummer eller navn").fill("170492-1234")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url(re.compile(r"/citizens/[0-9a-f-]{36}/$"))
    assert "170492" not in page.url
    assert page.get_by_role("heading", name="Karen Jensen").is_visible()


def test_another_team_does_not_see_the_citizen(page, other_caseworker, citizen):
    _login(page, "charlie")
    page.wait_for_url(re.compile(r"/citizens/$"))
    page.goto("/citizens/?scope=team")
    assert page.get_by_text("Karen Jensen").count() == 0
    response = page.goto(f"/citizens/{citizen.pk}/")
    assert response.status == 403
    assert page.get_by_role("heading", name="Ingen adgang til borgeren").is_visible()
    assert page.get_by_text("Karen Jensen").count() == 0
