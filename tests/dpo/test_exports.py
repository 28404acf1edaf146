"""The DPO's exports: the log as CSV (escaped, streamed, audited), the citizen's access
report (HTML and PDF) and the subject access export (JSON and PDF)."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import AssessmentSnapshot, Estimate
from dpo.csv_export import COLUMNS, csv_safe_cell

EXPORT = reverse("dpo:export_csv")
FULL_CPR = ("1704921234", "170492-1234")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+45 1234", "'+45 1234"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Karen", "Karen"),
        ("a=b", "a=b"),
        (None, ""),
        (7, "7"),
        ({"k": "v"}, '{"k": "v"}'),
        (["-x"], '["-x"]'),
    ],
)
def test_csv_cells_that_start_a_formula_are_escaped(value, cell):
    assert csv_safe_cell(value) == cell


def csv_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    # Danish spreadsheet conventions: semicolons, every cell quoted.
    assert text[1:].startswith('"occurred_at";"time_zone";"chain"')
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_csv_export_is_filtered_escaped_and_audited(login, dpo, citizen, caseworker, record):
    evil = record(
        action=AuditAction.BREAK_GLASS,
        user=caseworker,
        citizen_id=citizen.pk,
        reason="=cmd|' /C calc'!A0",
        flags=["break_glass"],
    )
    record(action=AuditAction.LOGIN, user=caseworker)
    response = login(dpo).get(EXPORT, {"citizen": str(citizen.pk)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert list(rows[0]) == list(COLUMNS)
    export = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORT)
    expected = list(
        AuditEvent.objects.filter(citizen_id=citizen.pk, pk__lt=export.pk)
        .order_by("-occurred_at", "-id")
        .values_list("hash", flat=True)
    )
    assert [row["hash"] for row in rows] == expected  # newest first, the citizen's only
    assert rows[0]["hash"] == evil.hash
    assert rows[0]["reason"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["flags"] == "break_glass"
    # local time, with its offset, and the zone named beside it
    local = timezone.localtime(evil.occurred_at)
    assert rows[0]["occurred_at"] == local.isoformat()
    assert rows[0]["occurred_at"].endswith(("+01:00", "+02:00"))
    assert rows[0]["time_zone"] == "Europe/Copenhagen"
    assert export.user == dpo and export.citizen_id == citizen.pk
    assert export.details == {"format": "csv", "filters": {"citizen_id": str(citizen.pk)}}
    assert export.hash not in {row["hash"] for row in rows}


def test_the_csv_export_refuses_bad_filters(login, dpo):
    response = login(dpo).get(EXPORT, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).exists()


def test_the_csv_export_keeps_the_other_jobcenters_out(login, dpo, foreign_caseworker, record):
    theirs = record(action=AuditAction.LOGIN, user=foreign_caseworker)
    rows = csv_rows(login(dpo).get(EXPORT))
    assert theirs.hash not in {row["hash"] for row in rows}
    assert rows  # ours are there


# -- The access report ------------------------------------------------------------------


@pytest.fixture
def accesses(record, caseworker, other_caseworker, citizen):
    record(action=AuditAction.CITIZEN_VIEW, user=caseworker, citizen_id=citizen.pk)
    record(
        action=AuditAction.BREAK_GLASS,
        user=other_caseworker,
        citizen_id=citizen.pk,
        reason="Borgeren mødte op uden aftale",
        flags=["break_glass", "outside_caseload"],
    )
    record(action=AuditAction.ESTIMATE_VIEW, user=other_caseworker, citizen_id=citizen.pk)


def report_url(citizen, name="access_report"):
    return reverse(f"dpo:{name}", kwargs={"citizen_id": citizen.pk})


def test_the_access_report_shows_when_who_and_why_without_names(login, dpo, citizen, accesses):
    recorded = AuditEvent.objects.filter(citizen_id=citizen.pk).count()
    response = login(dpo).get(report_url(citizen))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Karen Jensen (170492-XXXX)" in page
    for text in ("Visning af borger", "Nødadgang", "Visning af estimat", "Sagsbehandler"):
        assert text in page
    assert "Team A" in page and "Team B" in page
    assert "Borgeren mødte op uden aftale" in page
    assert "Alice" not in page and "Charlie" not in page and "charlie" not in page
    assert not any(cpr in page for cpr in FULL_CPR)
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT)
    assert event.details == {"format": "html", "include_names": False, "rows": recorded}


def test_the_access_report_names_staff_when_asked(login, dpo, citizen, accesses):
    page = login(dpo).get(report_url(citizen), {"names": "on"}).content.decode()
    assert "Alice" in page and "Charlie" in page
    assert AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT).details["include_names"]


def test_the_access_report_as_pdf(login, dpo, citizen, accesses):
    response = login(dpo).get(report_url(citizen, "access_report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT)
    assert event.details["format"] == "pdf"


def test_the_access_report_pdf_html_holds_what_the_citizen_needs(rf, dpo, citizen, accesses):
    from django.template.loader import render_to_string

    from dpo.review import access_report_produce

    report = access_report_produce(
        user=dpo, citizen_id=citizen.pk, include_names=False, output_format="pdf"
    )
    html = render_to_string("dpo/access_report_pdf.html", {"report": report})
    for text in ("Karen Jensen", "170492-XXXX", "Nødadgang", "Team B", "Jobcenter Testby"):
        assert text in html
    assert "Charlie" not in html


def test_the_access_report_takes_a_fixed_number_of_queries(login, dpo, citizen, accesses, record):
    client = login(dpo)
    with CaptureQueriesContext(connection) as few:
        client.get(report_url(citizen), {"names": "on"})
    for _ in range(20):
        record(action=AuditAction.CITIZEN_VIEW, user=dpo, citizen_id=citizen.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(report_url(citizen), {"names": "on"})
    assert len(many.captured_queries) == len(few.captured_queries)


# -- The subject access export ----------------------------------------------------------


@pytest.fixture
def estimate(citizen_spell, analyst):
    """An estimate from a small trained version, for the citizen's snapshot."""
    from prediction import registry
    from prediction.explanations import tree_rules
    from prediction.selectors import model_compiled
    from prediction.training import TrainingParameters
    from tests.prediction.history import history_load

    _, spell = citizen_spell
    snapshot = AssessmentSnapshot.objects.get(spell=spell)
    history_load(snapshot.specification, n=1200, seed=3)
    run = registry.training_run_request(
        specification=snapshot.specification, user=analyst, enqueue=False
    )
    fast = TrainingParameters(max_depths=(3,), leaf_multipliers=(1,), cv_folds=2, leaf_floor=30)
    version = registry.training_run_execute(run_id=run.pk, parameters=fast).model_version
    leaf = tree_rules(compiled=model_compiled(version=version))[0]
    return Estimate.objects.create(
        snapshot=snapshot,
        spell=spell,
        model_version=version,
        probability=leaf.probability,
        band=leaf.band,
        leaf_id=leaf.leaf_id,
    )


def subject_json(client, citizen, **query):
    response = client.get(report_url(citizen, "subject_access_json"), query)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response, json.loads(response.content)


def test_the_subject_access_export_holds_everything(login, dpo, citizen, accesses, estimate):
    response, data = subject_json(login(dpo), citizen)
    text = response.content.decode()
    assert not any(cpr in text for cpr in FULL_CPR)
    person = data["citizen"]
    assert person["cpr"] == "170492-XXXX" and person["name"] == "Karen Jensen"
    assert person["birth_date"] == "1992-04-17" and person["postal_code"] == "7400"
    (spell,) = data["spells"]
    assert [m["number"] for m in spell["meetings"]] == [1, 2]
    values = {v["name"]: v for v in spell["snapshots"][0]["values"]}
    assert values["education"]["value"] == "vocational" and values["gender"]["protected"]
    (shown,) = spell["estimates"]
    assert shown["model_version"]["number"] == estimate.model_version.number
    assert shown["probability"] == pytest.approx(estimate.probability)
    assert shown["rules"] and all(rule["text_da"] for rule in shown["rules"])
    actions = [row["action_label"] for row in data["access_report"]["rows"]]
    assert "Nødadgang" in actions and "Visning af estimat" in actions
    purposes = [row["purpose"] for row in data["access_report"]["rows"]]
    assert "Nødadgang: borgeren var ikke i medarbejderens sagsstamme" in purposes
    assert all(row["name"] == "" for row in data["access_report"]["rows"])
    assert data["controller"]["jobcenter"] == "Jobcenter Testby"
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_ACCESS_EXPORT)
    assert event.citizen_id == citizen.pk and event.details["format"] == "json"


def test_the_subject_access_export_includes_casework_records(login, dpo, citizen, caseworker):
    """Judgements, objections, corrections, break-the-glass grants: whatever casework
    keeps about the citizen appears, found through the model registry."""
    from casework.models import Objection

    Objection.objects.create(
        jobcenter=citizen.jobcenter,
        citizen=citizen,
        note="Vil ikke profileres",
        received_on=timezone.localdate(),
        channel=Objection.Channel.LETTER,
        recorded_by=caseworker,
    )
    _, data = subject_json(login(dpo), citizen)
    (row,) = data["records"]["objection"]["rows"]
    assert row["note"] == "Vil ikke profileres"
    assert row["recorded_by"] == {"role": "Sagsbehandler"}
    _, named = subject_json(login(dpo), citizen, names="on")
    assert named["records"]["objection"]["rows"][0]["recorded_by"]["name"] == "Alice"


def test_the_subject_access_export_as_pdf(login, dpo, citizen, accesses, estimate):
    response = login(dpo).get(report_url(citizen, "subject_access_pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_ACCESS_EXPORT)
    assert event.details["format"] == "pdf"


def test_the_subject_access_pdf_html_holds_the_data(dpo, citizen, accesses, estimate):
    from django.template.loader import render_to_string

    from dpo.review import subject_access_produce
    from dpo.subject_access_document import subject_access_document

    data, report = subject_access_produce(
        user=dpo, citizen_id=citizen.pk, include_names=False, output_format="pdf", language="da"
    )
    html = render_to_string(
        "dpo/subject_access_pdf.html",
        {
            "data": data,
            "document": subject_access_document(data),
            "report": report,
            "generated_at": report.generated_at,
        },
    )
    rule = data["spells"][0]["estimates"][0]["rules"][0]["text_da"]
    for text in ("Karen Jensen", "170492-XXXX", "Dagpenge", "Nødadgang", rule):
        assert text in html, text
    assert not any(cpr in html for cpr in FULL_CPR)


def test_a_semicolon_in_a_reason_never_starts_a_new_cell_in_a_danish_spreadsheet(
    login, dpo, citizen, caseworker, record
):
    record(
        action=AuditAction.BREAK_GLASS,
        user=caseworker,
        citizen_id=citizen.pk,
        reason="tekst;=cmd|'/C calc'!A0",
        flags=["break_glass"],
    )
    client = login(dpo)
    text = b"".join(client.get(EXPORT).streaming_content).decode("utf-8")
    assert "\"tekst;=cmd|'/C calc'!A0\"" in text  # quoted: one cell, not two
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header = rows[0]
    reasons = [row[header.index("reason")] for row in rows[1:]]
    assert "tekst;=cmd|'/C calc'!A0" in reasons
    assert all(len(row) == len(header) for row in rows)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = b"".join(client.get(EXPORT).streaming_content).decode("utf-8")
    assert english[1:].startswith('"occurred_at","time_zone","chain"')


def pdf_text(content: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_subject_access_pdf_reads_like_a_letter_to_the_citizen(
    login, dpo, citizen, caseworker, accesses, estimate, tmp_path
):
    """Plain headings, labelled values, local dates in words; no field dump, no codes,
    no internal ids, no ISO timestamps (the JSON keeps those)."""
    import re

    from casework.models import Judgement

    Judgement.objects.create(
        jobcenter=citizen.jobcenter,
        spell=estimate.spell,
        snapshot=estimate.snapshot,
        estimate=estimate,
        caseworker=caseworker,
        risk_band="high",
        agreement="agree",
        next_step="guidance",
    )
    response = login(dpo).get(report_url(citizen, "subject_access_pdf"))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    flat = " ".join(text.split())
    for wanted in (
        "Det har jobcentret registreret om dig",
        "Karen Jensen",
        "17. april 1992",  # the birth date in words
        "Faglige vurderinger",
        "Egen vurdering af risiko",
        "Høj",
        "Vejledning",
        "Sagsbehandler",
        "Tider er dansk tid (Europe/Copenhagen)",
        "Nødadgang: borgeren var ikke i medarbejderens sagsstamme",
        "Borgeren mødte op uden aftale",
    ):
        assert wanted in flat, wanted
    assert re.search(r"\d{1,2}\. [a-zæøå]+ \d{4} kl\. \d{2}\.\d{2}", flat)  # a local time
    for unwanted in ("{'role'", "risk_band", "snapshot", "caseworker", "spell ", "leaf"):
        assert unwanted not in flat, unwanted
    assert not re.search(r"\d{4}-\d{2}-\d{2}", flat), "an ISO date"
    assert str(citizen.pk) not in flat and estimate.model_version.artifact_sha256 not in flat
    _, data = subject_json(login(dpo), citizen)  # the JSON keeps the machine form
    assert data["records"]["judgement"]["rows"][0]["risk_band"] == "high"
