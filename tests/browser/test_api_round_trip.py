"""The round trip with the case system (issue 11), over HTTP against the live server on
the real database: the case system's service account writes a citizen, their spell,
two meetings and the assessment inputs through the API; the caseworker finds the
citizen in Chromium, records their own judgement and then sees the estimate; the case
system fetches the journal note, judgement first. Every step is in the audit log once,
under the one who took it."""

import json
import re
import urllib.error
import urllib.request

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Citizen, Judgement
from jobcenter.service_accounts import service_account_create
from tests.browser.test_citizen_flow import login_with_keyboard
from tests.factories import DEFAULT_SNAPSHOT_VALUES, default_feature_spec
from tests.prediction.test_views import make_active

CPR = "0302871234"  # typed by the caseworker; never in an address
SPELL_ID = "FASIT-2026-0042"


def _call(base_url: str, key: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        base_url + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={
            "Authorization": f"Api-Key {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": f"round-trip-{path}" if body is not None else "",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _records() -> list[dict]:
    inputs = {
        name: item["value"]
        for name, item in DEFAULT_SNAPSHOT_VALUES.items()
        if name not in {"gender", "origin", "postal_code"}
    }
    return [
        {"record_type": "citizen", "cpr": CPR, "name": "Sofie Lund", "postal_code": "8000"},
        {
            "record_type": "spell",
            "spell_id": SPELL_ID,
            "cpr": CPR,
            "team": "Team A",
            "caseworker": "alice",
            "benefit_type": "dagpenge",
            "start_date": "2026-08-03",
        },
        {"record_type": "meeting", "spell_id": SPELL_ID, "number": 1, "held_on": "2026-08-31"},
        {"record_type": "meeting", "spell_id": SPELL_ID, "number": 2, "held_on": "2026-09-28"},
        {"record_type": "snapshot", "spell_id": SPELL_ID, "as_of": "2026-09-28", **inputs},
    ]


def test_the_case_system_and_the_caseworker_share_one_assessment(
    browser, live_server, jobcenter, team_a, caseworker, analyst, manager
):
    version = make_active(default_feature_spec(), trained_by=analyst, reviewer=manager)
    issued = service_account_create(jobcenter=jobcenter, name="fasit", days=30)
    service, key = issued.record.user, issued.key
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # 1. The case system writes the citizen, the spell, two meetings and the inputs.
    status, answer = _call(live_server.url, key, "/api/v1/records/", {"records": _records()})
    assert status == 200, answer
    assert answer["created"] == 5 and answer["unchanged"] == 0
    citizen = Citizen.objects.get()
    assert citizen.jobcenter == jobcenter and citizen.name == "Sofie Lund"
    # Sent again (a retry with the same key), nothing changes and nothing is logged again.
    status, again = _call(live_server.url, key, "/api/v1/records/", {"records": _records()})
    assert status == 200 and again == answer

    # 2. The caseworker finds the citizen by CPR number, judges first, then sees the
    # estimate beside the judgement.
    context = browser.new_context(base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_with_keyboard(page, "alice")
    page.get_by_label("CPR-nummer eller navn").fill("030287-1234")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url(re.compile(r"/citizens/[0-9a-f-]{36}/$"))
    assert "030287" not in page.url
    assert page.get_by_role("heading", name="Sofie Lund", level=1).is_visible()
    assert "Registrér først din egen vurdering" in page.locator("#estimate-message").inner_text()
    form = page.locator("#judgement-form")
    form.get_by_label("Høj", exact=True).check()
    form.get_by_label("Planlagt næste skridt").select_option("guidance")
    form.get_by_role("button", name="Gem min vurdering").click()
    page.wait_for_url(re.compile(r"#judgement$"))
    assert page.locator("#judgement-band").inner_text() == "Høj"
    assert re.search(r"\d+ %", page.locator("#estimate-probability").inner_text())
    context.close()
    judgement = Judgement.objects.get()
    assert judgement.caseworker == caseworker and judgement.risk_band == "high"

    # 3. The case system fetches the journal note by its own spell id: the judgement
    # first, the estimate as background, the model version and the date.
    status, note = _call(live_server.url, key, f"/api/v1/spells/{SPELL_ID}/journal-note/")
    assert status == 200, note
    assert note["judgement"]["risk_band"] == "high"
    assert note["model_version"]["number"] == version.number
    text = note["text"]
    assert text.index("Sagsbehandlerens vurdering: Høj risiko") < text.index("Baggrund")
    assert "Estimeret risiko" in text and f"version {version.number}" in text
    assert CPR not in json.dumps(note) and "030287" not in json.dumps(note)

    # 4. Every step once in the audit log, under the one who took it.
    events = AuditEvent.objects.filter(pk__gt=before)
    imports = events.filter(action=AuditAction.IMPORT)
    assert list(imports.values_list("user_id", flat=True)) == [service.pk]
    judgements = events.filter(action=AuditAction.JUDGEMENT_RECORD)
    assert list(judgements.values_list("user_id", flat=True)) == [caseworker.pk]
    by_service = events.filter(user=service).exclude(action=AuditAction.IMPORT)
    assert sorted(by_service.values_list("action", flat=True)) == sorted(
        [AuditAction.CITIZEN_VIEW, AuditAction.ESTIMATE_VIEW]
    )
    assert events.filter(user=caseworker, action=AuditAction.CITIZEN_SEARCH).count() == 1
