"""The DPO's review in Chromium, with the keyboard only: find a citizen by CPR number
(the number never reaches the URL), see who looked at them, filter the log on
break-the-glass, open the citizen's access report; axe-core finds no serious or critical
violations on the log and the report. A caseworker who types the address gets a 404."""

import re

from django.db import transaction

from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from tests.browser.test_accessibility import severe_violations
from tests.browser.test_citizen_flow import login_with_keyboard


def focus_and_type(page, selector, text):
    """Tab from the top of the page until ``selector`` has focus, then type."""
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            break
    else:
        raise AssertionError(f"{selector} never got the keyboard focus")
    page.keyboard.type(text)


def test_the_dpo_reviews_a_citizen_with_the_keyboard(
    page, dpo, caseworker, other_caseworker, citizen
):
    from axe_playwright_python.sync_playwright import Axe

    with transaction.atomic():
        audit_record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)
        audit_record(
            action=AuditAction.BREAK_GLASS,
            user=other_caseworker,
            citizen_id=citizen.pk,
            reason="Borgeren ringede, sagsbehandleren er syg",
            flags=["break_glass", "outside_caseload"],
        )
    axe = Axe()
    login_with_keyboard(page, "dorte", landing=r"/audit/$")
    assert severe_violations(axe, page) == []

    # The CPR number goes by POST: typed, Enter, and the URL carries the citizen's key.
    focus_and_type(page, "#dpo-cpr", "170492-1234")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/audit/\?citizen=[0-9a-f-]{36}$"))
    assert "170492" not in page.url
    content = page.content()
    # Shown masked; the whole number, in either form, nowhere. (Not "1234" alone: the
    # citizen's UUID in the links and the CSRF token may contain those four digits.)
    assert "170492-XXXX" in content
    assert "170492-1234" not in content and "1704921234" not in content
    log = page.locator("table.audit-log tbody").inner_text()
    assert "alice" in log and "charlie" in log and "Nødadgang" in log

    # Filter on break-the-glass: a checkbox ticked with Space, the form sent with Enter.
    page.goto("/audit/")
    checkbox = page.get_by_label("Nødadgang", exact=True)
    checkbox.focus()
    page.keyboard.press("Space")
    assert checkbox.is_checked()
    page.get_by_role("button", name="Vis", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"flags=break_glass"))
    assert page.locator("table.audit-log tbody tr").count() == 1
    assert "charlie" in page.locator("table.audit-log tbody").inner_text()

    # The citizen's access report, from the citizen's log, by keyboard.
    page.goto(f"/audit/?citizen={citizen.pk}")
    page.get_by_role("button", name="Indsigtsrapport", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/audit/citizens/[0-9a-f-]{36}/access-report/"))
    report = page.locator("main").inner_text()
    assert "Nødadgang" in report
    assert "charlie" not in report  # staff names only when the DPO asks for them
    assert severe_violations(axe, page) == []

    reports = AuditEvent.objects.filter(action=AuditAction.ACCESS_REPORT, user=dpo)
    assert reports.count() == 1 and reports.get().citizen_id == citizen.pk


def test_a_caseworker_gets_a_404_for_the_log(page, caseworker, citizen):
    login_with_keyboard(page, "alice")
    response = page.goto("/audit/")
    assert response.status == 404
    response = page.goto(f"/audit/citizens/{citizen.pk}/access-report/")
    assert response.status == 404
