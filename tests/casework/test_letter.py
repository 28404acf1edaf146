"""The letter to the citizen, as a printable page and as a PDF, in Danish or English:
the data used, the rules, what the estimate means and does not mean, the caseworker's
judgement and the citizen's rights. Producing it is one LETTER event; with an objection
standing it carries no score; anyone who may not see the citizen gets a 403 page."""

import re
import zlib

import pytest

from audit.actions import AuditAction
from casework.models import Estimate
from casework.services import objection_record
from prediction.models import ScoringControl
from tests.casework.conftest import citizen_url, events, last_event_id
from tests.factories import DEFAULT_SNAPSHOT_VALUES, default_jobcenter

DATATILSYNET = "Carl Jacobsens Vej 35, 2500 Valby"


def _judge(client, citizen, **extra):
    snapshot = citizen.spells.get().snapshots.order_by("-pk").first()
    data = {"snapshot_id": snapshot.pk, "risk_band": "high", "next_step": "mentor"} | extra
    assert client.post(citizen_url(citizen, "judgement"), data).status_code == 302


def _letter(client, citizen, name="letter", **query):
    return client.get(citizen_url(citizen, name), query)


def _pdf_pages(content: bytes) -> int:
    """The number of page objects in the PDF, looking inside compressed object streams
    too (WeasyPrint packs its objects into them)."""
    text = content
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", text))


@pytest.fixture
def scored(citizen, active_version, judgement_first_off):
    return citizen


def test_it_shows_the_data_the_rules_the_meaning_and_the_judgement_in_danish(
    login, caseworker, scored
):
    client = login(caseworker)
    assert client.get(citizen_url(scored)).status_code == 200
    estimate = Estimate.objects.get()  # the one the caseworker saw; the letter shows it too
    _judge(
        client,
        scored,
        estimate_id=estimate.pk,
        agreement="disagree",
        reason_category="other",
        reason_text="Ny uddannelse",
    )
    before = last_event_id()
    response = _letter(client, scored, own_words="on")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<article id="letter" class="letter" lang="da"' in page
    # The data: label, value, source and date.
    row = re.search(r'<tr id="letter-input-education">(.*?)</tr>', page, re.S).group(1)
    assert "Erhvervsfaglig uddannelse" in row
    assert "Uddannelsesregisteret" in row and "1. oktober 2026" in row  # a date in words
    # The estimate, its uncertainty, what it means and does not mean, and the rules.
    assert f"{round(estimate.probability * 100)} %" in page
    assert "Skønnet er ikke en afgørelse." in page
    assert re.search(r"for 1 af \d+ anderledes end skønnet", page)
    rules = re.search(r'<ol id="letter-rules">(.*?)</ol>', page, re.S).group(1)
    assert rules.count("<li>") >= 1
    # The caseworker's own judgement.
    assert 'id="letter-judgement-band">Høj<' in page
    assert "Ny uddannelse" in page and "Mentorstøtte" in page
    assert "Din sagsbehandler er uenig i værktøjets skøn." in page
    # The rights, the Danish Data Protection Agency and the DPO.
    for right in ("Indsigt.", "Indsigelse.", "Berigtigelse.", "Klage."):
        assert right in page
    assert "Datatilsynet" in page and DATATILSYNET in page and "www.datatilsynet.dk" in page
    assert scored.jobcenter.dpo_contact in page
    assert "1234" not in page  # the masked CPR number only
    # One event, carrying what the letter showed.
    (event,) = events(since=before)
    assert event.action == AuditAction.LETTER
    assert event.details["language"] == "da" and event.details["format"] == "html"
    assert event.model_version_id == estimate.model_version_id
    assert event.object_id == str(estimate.pk)
    assert event.output["band"] == estimate.band
    assert event.user == caseworker and str(event.citizen_id) == str(scored.pk)


def test_it_speaks_english_when_asked(login, caseworker, scored):
    client = login(caseworker)
    before = last_event_id()
    page = _letter(client, scored, language="en").content.decode()
    assert '<article id="letter" class="letter" lang="en"' in page
    # Labels, rules and meaning come from the specification in English.
    assert "Highest completed education" in page or "education" in page.lower()
    assert re.search(r"1 in \d+ went the other way", page)
    assert re.search(
        r"Low: under \d+ %\. Medium: from \d+ % to under \d+ %\. High: \d+ % or more\.", page
    )
    assert "Tallet er et statistisk skøn" not in page
    assert DATATILSYNET in page
    (event,) = events(since=before)
    assert event.action == AuditAction.LETTER and event.details["language"] == "en"


def test_the_default_language_is_the_active_one(login, caseworker, scored):
    client = login(caseworker)
    client.cookies["django_language"] = "en"
    page = _letter(client, scored, language="xx").content.decode()
    assert 'lang="en"' in page and re.search(r"1 in \d+ went the other way", page)


def test_the_pdf_is_a_pdf_with_pages_and_one_event(login, caseworker, scored):
    client = login(caseworker)
    for language in ("da", "en"):
        before = last_event_id()
        response = _letter(client, scored, "letter_pdf", language=language)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "1234" not in response["Content-Disposition"]
        assert "Karen" not in response["Content-Disposition"]
        assert response.content.startswith(b"%PDF")
        assert _pdf_pages(response.content) >= 1
        (event,) = events(since=before)
        assert event.action == AuditAction.LETTER
        assert event.details["format"] == "pdf" and event.details["language"] == language


@pytest.mark.pdf
def test_with_an_objection_there_is_no_score_and_it_says_why(login, caseworker, scored):
    import datetime

    client = login(caseworker)
    assert 'id="estimate-probability"' in client.get(citizen_url(scored)).content.decode()
    _judge(client, scored)
    objection_record(
        user=caseworker,
        citizen_id=scored.pk,
        received_on=datetime.date(2026, 11, 2),
        channel="letter",
    )
    estimate = Estimate.objects.get()
    before = last_event_id()
    page = _letter(client, scored).content.decode()
    assert 'id="letter-no-score"' in page
    assert "Du har gjort indsigelse mod profilering (2. november 2026)" in page
    assert 'id="letter-probability"' not in page and 'id="letter-rules"' not in page
    assert f"{round(estimate.probability * 100)} %" not in page
    # The data and the caseworker's own judgement are still the citizen's to see.
    assert 'id="letter-input-education"' in page and 'id="letter-judgement-band"' in page
    (event,) = events(since=before)
    assert event.action == AuditAction.LETTER
    assert event.output is None and event.model_version_id is None
    assert event.details["estimate_state"] == "objection"
    pdf = _letter(client, scored, "letter_pdf").content
    assert pdf.startswith(b"%PDF")


def test_judgement_first_keeps_the_score_out_of_the_letter_until_judged(
    login, caseworker, citizen, active_version
):
    client = login(caseworker)
    page = _letter(client, citizen).content.decode()
    assert 'id="letter-no-score"' in page and 'id="letter-probability"' not in page
    assert 'id="letter-no-judgement"' in page
    _judge(client, citizen)
    page = _letter(client, citizen).content.decode()
    assert 'id="letter-probability"' in page and 'id="letter-judgement-band"' in page


def test_a_letter_without_a_model_says_there_is_no_estimate(login, caseworker, citizen):
    page = _letter(login(caseworker), citizen).content.decode()
    assert 'id="letter-no-score"' in page
    assert 'id="letter-input-age"' in page


def test_a_paused_model_gives_no_score_in_the_letter(login, caseworker, scored):
    ScoringControl.objects.update_or_create(
        jobcenter=default_jobcenter(), defaults={"scoring_paused": True}
    )
    page = _letter(login(caseworker), scored).content.decode()
    assert 'id="letter-no-score"' in page and 'id="letter-probability"' not in page


def test_a_corrected_input_shows_the_corrected_and_the_original_value(login, caseworker, scored):
    client = login(caseworker)
    snapshot = scored.spells.get().snapshots.get()
    response = client.post(
        citizen_url(scored, "correction"),
        {"snapshot_id": snapshot.pk, "feature": "age", "value": "41", "source": "CPR-registeret"},
    )
    assert response.status_code == 302
    page = _letter(client, scored).content.decode()
    row = re.search(r'<tr id="letter-input-age">(.*?)</tr>', page, re.S).group(1)
    assert "41" in row and "CPR-registeret" in row
    assert f"Oprindelig værdi: {DEFAULT_SNAPSHOT_VALUES['age']['value']}" in row


@pytest.mark.parametrize("name", ["letter", "letter_pdf"])
def test_the_citizen_page_links_to_the_letter(login, caseworker, citizen, name):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert f'href="{citizen_url(citizen, name)}"' in page


@pytest.mark.parametrize("name", ["letter", "letter_pdf"])
@pytest.mark.parametrize(
    "persona", ["other_caseworker", "foreign_caseworker", "manager", "dpo", "analyst"]
)
def test_anyone_who_may_not_see_the_citizen_gets_a_403(request, login, citizen, persona, name):
    client = login(request.getfixturevalue(persona))
    before = last_event_id()
    response = _letter(client, citizen, name)
    assert response.status_code == 403
    assert "Karen Jensen" not in response.content.decode()
    assert [e.action for e in events(since=before)] == ["access.refused"]


def test_a_colleague_in_the_team_gets_the_letter(login, colleague, citizen):
    assert _letter(login(colleague), citizen).status_code == 200


def test_break_the_glass_opens_the_letter_and_flags_the_event(login, other_caseworker, citizen):
    client = login(other_caseworker)
    assert _letter(client, citizen).status_code == 403
    response = client.post(
        "/citizens/break-glass/",
        {
            "cpr": "170492-1234",
            "reason_category": "colleague_absent",
            "reason_text": "Kollegaen er syg, og borgeren venter",
        },
    )
    assert response.status_code == 302
    before = last_event_id()
    assert _letter(client, citizen).status_code == 200
    (event,) = events(since=before)
    assert event.action == AuditAction.LETTER and "outside_caseload" in event.flags


def test_the_letter_needs_get(login, caseworker, citizen):
    client = login(caseworker)
    assert client.post(citizen_url(citizen, "letter")).status_code == 405
    assert client.post(citizen_url(citizen, "letter_pdf")).status_code == 405


def test_without_weasyprint_libraries_the_pdf_says_so_and_records_nothing(
    login, caseworker, scored, monkeypatch
):
    """A server missing Pango cannot make PDFs: the caseworker gets a clear page instead
    of an error page, the printable letter still works, and no letter is logged as made.
    (Pango is installed here, so its absence is stood in for.)"""
    import jobcenter.pdf

    monkeypatch.setattr(
        jobcenter.pdf, "pdf_unavailable_reason", lambda: "no Pango on this test machine"
    )
    client = login(caseworker)
    before = last_event_id()
    response = _letter(client, scored, "letter_pdf")
    assert response.status_code == 503
    assert "Brug udskriftsversionen" in response.content.decode()
    assert events(AuditAction.LETTER, since=before) == []
    assert _letter(client, scored, "letter").status_code == 200


# -- What the citizen needs on paper (issue 13) -------------------------------------------


def _judge_seen(client, citizen, **extra):
    """A judgement beside the estimate the caseworker saw on the citizen page."""
    assert client.get(citizen_url(citizen)).status_code == 200
    estimate = Estimate.objects.get()
    _judge(client, citizen, estimate_id=estimate.pk, agreement="agree", **extra)


def _pdf_text(content: bytes, tmp_path, *args: str) -> str:
    import subprocess

    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdf_catalog(content: bytes) -> bytes:
    """The PDF's objects, compressed object streams opened (see ``_pdf_pages``)."""
    text = content
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            continue
    return text


@pytest.fixture
def contact(caseworker):
    team = caseworker.team
    team.phone, team.email = "96 28 28 28", "team-a@jobcenter.example"
    team.save()
    caseworker.phone = "96 28 10 10"
    caseworker.save()
    return team


@pytest.mark.pdf
def test_the_pdf_has_the_address_and_the_contact_and_is_tagged(
    login, caseworker, scored, contact, tmp_path
):
    content = _letter(login(caseworker), scored, "letter_pdf", language="da").content
    text = " ".join(_pdf_text(content, tmp_path).split())
    assert "Karen Jensen" in text and "7400 Herning" in text  # the address we hold
    assert "Østergade 12, 2. th." in text
    assert "Kontakt din sagsbehandler" in text
    name = caseworker.get_full_name() or caseworker.username
    assert name in text and "Team A" in text
    assert "96 28 10 10" in text and "team-a@jobcenter.example" in text
    catalog = _pdf_catalog(content)
    assert re.search(rb"/Lang\s*\(da\)", catalog)
    assert b"/MarkInfo" in catalog and b"/StructTreeRoot" in catalog


@pytest.mark.pdf
@pytest.mark.parametrize("language", ["da", "en"])
def test_the_last_page_is_not_almost_empty(login, caseworker, scored, contact, language, tmp_path):
    client = login(caseworker)
    _judge_seen(client, scored)
    content = _letter(client, scored, "letter_pdf", language=language).content
    pages = _page_fill(_pdf_text(content, tmp_path, "-bbox"))
    assert 1 <= len(pages) <= 2, pages
    if len(pages) > 1:  # the last page is at least a third full
        assert pages[-1] >= 0.33, pages


def _page_fill(bbox_html: str) -> list[float]:
    """For each page, how far down its text reaches (0 to 1), leaving out the page
    number in the footer."""
    fills = []
    for page in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', bbox_html, re.S):
        height, words = float(page[0]), page[1]
        bottoms = [
            float(y)
            for y in re.findall(r'<word [^>]*yMax="([\d.]+)"', words)
            if float(y) < height * 0.93  # the footer with the page number
        ]
        fills.append(max(bottoms, default=0) / height)
    return fills


def test_the_caseworkers_own_words_only_when_chosen(login, caseworker, scored):
    client = login(caseworker)
    _judge_seen(client, scored, reason_category="other", reason_text="Ny uddannelse")
    page = _letter(client, scored).content.decode()
    assert "Ny uddannelse" not in page
    assert "Andet" in page  # the category stays
    assert 'name="own_words"' in page and "checked" not in page.split('name="own_words"')[1][:40]
    before = last_event_id()
    page = _letter(client, scored, own_words="on").content.decode()
    assert 'id="letter-own-words">Ny uddannelse<' in page
    assert "own_words=on" in page  # the PDF link keeps the choice
    (event,) = events(since=before)
    assert event.details["own_words"] is True


def test_every_source_is_translated_in_english(login, caseworker, scored):
    page = _letter(login(caseworker), scored, language="en").content.decode()
    table = re.search(r'<table id="letter-inputs">(.*?)</table>', page, re.S).group(1)
    sources = re.findall(r"</td>\s*<td>([^<]*)</td>\s*<td[^>]*>[^<]*</td>\s*</tr>", table)
    assert sources, table
    for danish in ("Sagsbehandler", "Fagsystem", "registret", "registeret over"):
        assert not any(danish in source for source in sources), sources
    assert "Your caseworker" in table and "case system" in table


def test_source_names_are_translated_with_the_meeting():
    from casework.letters import source_name

    assert source_name("Sagsbehandler, 1. samtale", "da") == "Din sagsbehandler, 1. samtale"
    assert source_name("Sagsbehandler, 1. samtale", "en") == "Your caseworker, meeting 1"
    assert source_name("Ukendt kilde", "en") == "Ukendt kilde"
