"""The DPO's working day in Chromium (issue 13): the break-the-glass queue reviewed
with the keyboard, the citizen's access report for a chosen period (and a clear message
for a period that ends before it begins), and the subject access PDF downloaded; axe
finds no serious or critical violations on any page, and the page fixture finds no CSP
violation. What is asserted is what a person reads on the page."""

import datetime
import re
import subprocess

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from tests.browser.test_accessibility import severe_violations
from tests.browser.test_citizen_flow import login_with_keyboard

REASON = "Borgeren mødte op i receptionen, sagsbehandleren er syg"


def test_the_dpo_reviews_break_the_glass_reports_a_period_and_downloads_the_pdf(
    page, dpo, caseworker, other_caseworker, citizen, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe

    with transaction.atomic():
        audit_record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)
        audit_record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)
        audit_record(
            action=AuditAction.BREAK_GLASS,
            user=other_caseworker,
            citizen_id=citizen.pk,
            reason=REASON,
            flags=["break_glass", "outside_caseload"],
        )
        audit_record(
            action=AuditAction.CITIZEN_VIEW,
            user=other_caseworker,
            citizen_id=citizen.pk,
            flags=["outside_caseload"],
        )
    axe = Axe()
    login_with_keyboard(page, "dorte", landing=r"/audit/$")

    # The break-the-glass queue: one access waiting, its reason, reviewed by keyboard.
    page.goto("/audit/break-glass/")
    main = page.locator("main")
    assert "1 venter på gennemgang" in main.inner_text()
    assert REASON in main.inner_text()
    assert "Tider er dansk tid (Europe/Copenhagen)." in main.inner_text()
    assert severe_violations(axe, page) == []
    justified = page.get_by_label("Begrundet", exact=True)
    justified.focus()
    page.keyboard.press("Space")
    assert justified.is_checked()
    page.get_by_role("button", name="Registrér gennemgang").focus()
    with page.expect_navigation():  # the answer to the post, not the page still showing
        page.keyboard.press("Enter")
    text = page.locator("main").inner_text()
    assert "Ingen nødadgange venter på gennemgang." in text
    assert "Senest gennemgået" in text and "Begrundet" in text
    assert severe_violations(axe, page) == []

    # The access report for a period: today, both dates typed into the date fields.
    today = timezone.localdate()
    page.goto(f"/audit/citizens/{citizen.pk}/access-report/")
    page.get_by_label("Fra og med").fill(today.isoformat())
    page.get_by_label("Til og med").fill(today.isoformat())
    page.get_by_role("button", name="Vis rapporten").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"date_from=\d{4}-\d{2}-\d{2}&date_to="))
    report = page.locator("main").inner_text()
    assert f"{today.day}. " in page.locator("#access-report-period").inner_text()
    assert "Nødadgang: borgeren var ikke i medarbejderens sagsstamme" in report
    assert f"Begrundelse: {REASON}" in report
    assert "Opslag under nødadgang" in report
    assert "Borger i medarbejderens sagsstamme (teamets borgere)" in report
    assert re.search(r"kl\. \d{2}\.\d{2}–\d{2}\.\d{2} \(2 visninger\)", report)  # one visit
    assert "Tider er dansk tid (Europe/Copenhagen)." in report
    assert "citizen.view" not in report and "access.break_glass" not in report
    assert "charlie" not in report
    assert severe_violations(axe, page) == []

    # A period that ends before it begins: said plainly, and no report.
    yesterday = today - datetime.timedelta(days=1)
    page.get_by_label("Fra og med").fill(today.isoformat())
    page.get_by_label("Til og med").fill(yesterday.isoformat())
    page.get_by_role("button", name="Vis rapporten").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "Perioden slutter, før den begynder" in alert.first.inner_text()
    assert page.locator("#access-report-table").count() == 0
    assert severe_violations(axe, page) == []

    # The subject access PDF, downloaded from the citizen's log.
    page.goto(f"/audit/?citizen={citizen.pk}")
    with page.expect_download() as info:
        page.get_by_role("button", name="Alle oplysninger (PDF)").click()
    download = info.value
    assert re.fullmatch(r"indsigt-\d{8}-\d{4}\.pdf", download.suggested_filename)
    path = tmp_path / "indsigt.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Det har jobcentret registreret om dig" in text
    assert "Karen Jensen" in text and "170492-1234" not in text
    response = page.request.get(f"/audit/citizens/{citizen.pk}/subject-access.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="indsigt-')
    assert "no-cache" in response.headers.get("cache-control", "")
