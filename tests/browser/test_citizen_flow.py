"""The caseworker's whole workflow in Chromium: log in, search by CPR number, open the
citizen, record their own judgement first (without JavaScript), see the estimate and
its rules, disagree with a reason, correct an input, print the letter, record an
objection and see the score disappear. Another team's caseworker gets a 403 page, and
breaking the glass with a reason lets them in and is flagged for the DPO."""

import re

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import BreakGlassAccess, Judgement, Objection
from tests.factories import PASSWORD

CITIZEN_URL = re.compile(r"/citizens/[0-9a-f-]{36}/$")


def login_with_keyboard(page, username, landing=r"/citizens/$"):
    """Only the keyboard: the username field has focus on load; Tab, type, Enter. Each
    role lands on its own start page (a caseworker on the caseload)."""
    page.goto("/")
    page.wait_for_selector("#id_username:focus")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(landing))


def test_a_caseworker_walks_the_whole_flow(
    browser, live_server, caseworker, citizen, active_version
):
    context = browser.new_context(base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)

    login_with_keyboard(page, "alice")

    # Search by CPR number: it goes by POST and never reaches the URL.
    page.get_by_label("CPR-nummer eller navn").fill("170492-1234")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url(CITIZEN_URL)
    assert "170492" not in page.url
    citizen_path = page.url.removeprefix(live_server.url)
    assert page.get_by_role("heading", name="Karen Jensen", level=1).is_visible()
    # Judgement first: the estimate is hidden until the caseworker has judged.
    assert "Registrér først din egen vurdering" in page.locator("#estimate-message").inner_text()
    assert page.locator("#estimate-probability").count() == 0

    # The judgement itself, in a browser with JavaScript switched off.
    no_js = browser.new_context(
        base_url=live_server.url,
        locale="da-DK",
        java_script_enabled=False,
        storage_state=context.storage_state(),
    )
    plain = no_js.new_page()
    plain.set_default_timeout(15_000)
    plain.goto(citizen_path)
    form = plain.locator("#judgement-form")
    form.get_by_label("Middel", exact=True).check()
    form.get_by_label("Planlagt næste skridt").select_option("guidance")
    form.get_by_role("button", name="Gem min vurdering").click()
    plain.wait_for_url(re.compile(r"/citizens/[0-9a-f-]{36}/#judgement$"))
    assert plain.locator("#judgement-band").inner_text() == "Middel"
    assert plain.locator("#estimate-probability").is_visible()
    no_js.close()
    (first,) = Judgement.objects.all()
    assert first.agreement == "not_seen" and first.estimate_id is None

    # Now the estimate and its rules are shown beside the judgement.
    page.goto(citizen_path)
    assert re.search(r"\d+ %", page.locator("#estimate-probability").inner_text())
    assert page.locator("#rule-1").is_visible()
    assert page.locator("#rules tbody tr").count() >= 1
    assert page.locator("#model-card-link").is_visible()

    # Disagree with a reason, using only the keyboard inside the form.
    page.locator("#judgement-form-box > summary").click()
    form = page.locator("#judgement-form")
    form.get_by_label("Høj", exact=True).focus()
    page.keyboard.press("Space")
    form.get_by_label("Uenig", exact=True).check()
    form.get_by_label("Begrundelse", exact=True).select_option("known_information")
    form.get_by_label("Begrundelse med dine egne ord").fill("Borgeren har mistet sit kørekort.")
    form.get_by_label("Planlagt næste skridt").select_option("mentor")
    form.get_by_label("Planlagt næste skridt").press("Tab")
    assert page.evaluate("document.activeElement.id") == "judgement-submit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#judgement$"))
    assert page.locator("#judgement-band").inner_text() == "Høj"
    latest = Judgement.objects.order_by("-pk").first()
    assert latest.agreement == "disagree" and latest.estimate_id is not None
    assert latest.reason_text == "Borgeren har mistet sit kørekort."
    assert AuditEvent.objects.filter(action=AuditAction.DISAGREEMENT).count() == 1

    # Correct an input: the estimate is recomputed and the original kept.
    page.locator("#correct-age > summary").click()
    page.locator("#correct-age-value").fill("41")
    page.locator("#correct-age-source").fill("CPR-registeret")
    page.locator("#correct-age-submit").click()
    page.wait_for_url(re.compile(r"#inputs$"))
    assert "41" in page.locator("#input-age").inner_text()
    assert "Oprindelig: 34" in page.locator("#input-age-original").inner_text()
    assert page.locator("#corrections").is_visible()
    # The caseworker has judged already: the recomputed estimate is shown at once, beside
    # the old one, and the judgement made on the old data stays (issue 13).
    assert page.locator("#estimate-probability").is_visible()
    assert page.locator("#estimate-previous").is_visible()
    assert page.locator("#judgement-band").inner_text() == "Høj"
    assert page.locator("#judgement-old-data").is_visible()
    assert page.locator("#judgement-history-table tbody tr").count() == 2

    # Print the letter: the printable page, and the PDF behind its link.
    page.locator("#letter-link").click()
    page.wait_for_url(re.compile(r"/letter/$"))
    assert page.locator("#letter-title").is_visible()
    assert re.search(r"\d+ %", page.locator("#letter-probability").inner_text())
    assert "CPR-registeret" in page.locator("#letter-input-age").inner_text()
    assert "Datatilsynet" in page.locator("#letter-rights").inner_text()
    page.locator("#letter-language-en").click()
    page.wait_for_url(re.compile(r"\?language=en$"))
    assert page.locator("#letter").get_attribute("lang") == "en"
    pdf_href = page.locator("#letter-pdf-link").get_attribute("href")
    pdf = page.request.get(pdf_href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    letters = AuditEvent.objects.filter(action=AuditAction.LETTER).order_by("pk")
    assert [(e.details["format"], e.details["language"]) for e in letters] == [
        ("html", "da"),
        ("html", "en"),
        ("pdf", "en"),
    ]

    # The citizen objects: the score disappears, and the page says why.
    page.goto(citizen_path)
    page.locator("#objection-form-box > summary").click()
    page.get_by_label("Hvordan kom indsigelsen?").select_option("phone")
    page.locator("#objection-submit").click()
    page.wait_for_url(re.compile(r"#objection$"))
    assert Objection.objects.filter(withdrawn_at__isnull=True).count() == 1
    assert "indsigelse mod profilering" in page.locator("#estimate-message").inner_text()
    assert page.locator("#estimate-probability").count() == 0
    assert page.locator("#rules").count() == 0
    page.goto(citizen_path + "letter/")
    assert page.locator("#letter-no-score").is_visible()
    assert page.locator("#letter-probability").count() == 0
    context.close()


def test_another_team_is_refused_until_it_breaks_the_glass(
    browser, live_server, other_caseworker, citizen
):
    context = browser.new_context(base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_with_keyboard(page, "charlie")
    assert page.goto(f"/citizens/{citizen.pk}/").status == 403
    assert "Karen Jensen" not in page.content()
    assert page.goto(f"/citizens/{citizen.pk}/letter/").status == 403

    # A CPR search outside the caseload finds nothing and offers to break the glass.
    page.goto("/citizens/")
    page.get_by_label("CPR-nummer eller navn").fill("1704921234")
    page.get_by_role("button", name="Søg").click()
    assert page.get_by_text("Ingen borgere fundet").is_visible()
    form = page.locator("#break-glass-form")
    # The number is typed again rather than echoed back into the page.
    assert page.locator("#break-glass-cpr").input_value() in ("", "1704921234")
    page.locator("#break-glass-cpr").fill("170492-1234")
    form.get_by_label("Årsag").select_option("colleague_absent")
    form.get_by_label("Begrundelse").fill("Alice er syg; borgeren har ringet.")
    form.get_by_role("button", name="Bryd glasset og se borgeren").click()
    page.wait_for_url(CITIZEN_URL)
    assert "1704" not in page.url
    assert page.locator("#break-glass-notice").is_visible()
    assert page.get_by_role("heading", name="Karen Jensen", level=1).is_visible()

    access = BreakGlassAccess.objects.get()
    assert access.user == other_caseworker and access.flagged_for_dpo
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    assert event.user_id == other_caseworker.pk
    assert "break_glass" in event.flags and "outside_caseload" in event.flags
    assert event.reason == "Alice er syg; borgeren har ringet."
    view = AuditEvent.objects.filter(
        action=AuditAction.CITIZEN_VIEW, user_id=other_caseworker.pk
    ).get()
    assert "outside_caseload" in view.flags
    context.close()
