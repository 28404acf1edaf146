"""The API's documentation (Swagger UI from drf-spectacular-sidecar, served by the app
itself) renders in Chromium under our Content Security Policy: the page fixture fails
the test on any violation the browser reports."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_content_security_policy(page, caseworker):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(caseworker.username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()
    answer = page.goto("/api/docs/")
    assert answer is not None and answer.status == 200
    # The operations come from /api/schema/, fetched by the sidecar's own script.
    page.get_by_text("/api/v1/citizens/{citizen_id}/assessment/").first.wait_for()
    assert page.locator(".opblock").count() >= 7
