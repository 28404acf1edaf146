"""Every page each role may open, visited in Chromium: no Content Security Policy
violation reported by the browser on any of them (the page fixture fails the test on
one), and none answers with an error. The pages come from the role matrix
(docs/roles.md), so a new page is visited as soon as it has its row."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.test_role_matrix import ALLOWED, _url, matrix, world  # noqa: F401

pytestmark = pytest.mark.browser

# Downloads (a browser saves them rather than showing them) and actions that take POST.
NOT_PAGES = {
    "logout",
    "recovery_codes_new",
    "casework:letter_pdf",
    "cockpit:table_csv",
    "cockpit:report_pdf",
    "cockpit:refresh",
    "dpo:export_csv",
    "dpo:access_report_pdf",
    "dpo:subject_access_json",
    "dpo:subject_access_pdf",
    "dpo:checkpoints_download",
    "dpo:integrity_check",
    "prediction:train",
    "prediction:scoring_pause",
    "prediction:auto_promote",
    "prediction:approve",
    "prediction:reject",
    "prediction:activate",
    "prediction:retire",
    "prediction:rollback",
    "casework:judgement",
    "casework:rule_feedback",
    "casework:correction",
    "casework:objection",
    "casework:objection_withdraw",
    "cockpit:rule_review",
    "set_language",
    "otp_webauthn:credential-registration-begin",  # the passkey script's JSON calls
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    # The API answers JSON (the schema YAML), not pages; its documentation (api_docs)
    # is a page and is visited.
    "api_schema",
    "casework_api:citizen_assessment",
    "casework_api:citizen_journal_note",
    "casework_api:spell_assessment",
    "casework_api:spell_journal_note",
    "prediction_api:versions",
    "prediction_api:version",
    "dpo_api:audit_events",
    "cockpit_api:cockpit",
    "casework:import_confirm",  # POST only
    "api_records",  # the write API: POST only
    "api_record_create",
    "api_records_bulk",
}
ROLES = ["caseworker", "manager", "dpo", "analyst", "administrator"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_keeps_the_content_security_policy(page, world, role):  # noqa: F811
    users, kwargs, _posts = world
    rows = matrix()
    names = [
        name
        for name, cells in rows.items()
        if cells[role] == ALLOWED and name not in NOT_PAGES and name != "admin:*"
    ]
    if role == "administrator":
        names += ["admin:index", "admin:jobcenter_user_changelist"]
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(users[role].username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()
    visited = []
    for name in sorted(names):
        url = _url(name, kwargs)
        answer = page.goto(url)
        assert answer is not None and answer.status < 400, (name, url, answer and answer.status)
        visited.append(url)
    assert len(visited) >= 5
    assert reverse("login") not in page.url  # still logged in after the walk
