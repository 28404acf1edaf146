"""GET /api/v1/citizens/<id>/assessment/ and /journal-note/ (and by the spell's id in the
case system): every role, the service account, other team, other jobcenter, the
objection's refusal, and the audit: exactly the citizen page's events, once per read,
with the caller (the service account) as the actor."""

import datetime

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.judgements import judgement_record
from casework.models import Agreement, NextStep, Objection, RiskBand
from casework.services import objection_record
from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db

# The key (with its account) and its groups, the session-free request, the citizen
# page's reads and the two events (PostgreSQL appends an event in one statement); see
# tests/casework/test_citizen_page_queries.py for the page's own count.
QUERIES = {"sqlite": 22, "postgresql": 18}


def assessment_url(citizen, name="citizen_assessment"):
    return reverse(f"casework_api:{name}", kwargs={"citizen_id": citizen.pk})


def spell_url(spell, name="spell_assessment"):
    return reverse(f"casework_api:{name}", kwargs={"external_id": spell.external_id})


def since(pk):
    return list(AuditEvent.objects.filter(pk__gt=pk).order_by("pk"))


def last():
    event = AuditEvent.objects.order_by("-pk").first()
    return event.pk if event else 0


def judge(user, citizen, band=RiskBand.HIGH):
    return judgement_record(
        user=user,
        citizen_id=citizen.pk,
        snapshot_id=citizen.spells.get().snapshots.get().pk,
        estimate_id=None,
        risk_band=band,
        agreement=Agreement.NOT_SEEN,
        reason_text="Borgeren har svært ved at komme i gang efter en lang sygeperiode.",
        next_step=NextStep.GUIDANCE,
    )


# -- The service account (the case system) ----------------------------------------------


def test_it_gives_the_case_system_the_estimate_and_records_the_read_as_the_account(
    service_client, service, citizen, active_version, judgement_first_off
):
    before = last()
    answer = service_client.get(assessment_url(citizen))
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == "shown"
    estimate = body["estimate"]
    assert 0 <= estimate["probability"] <= 1 and estimate["band"] in {"low", "medium", "high"}
    assert estimate["interval"]["low"] <= estimate["probability"] <= estimate["interval"]["high"]
    assert estimate["rules"] and {"text_da", "text_en", "effect", "effect_points"} <= set(
        estimate["rules"][0]
    )
    assert body["model_version"] == {
        "id": active_version.pk,
        "specification": active_version.specification.name,
        "number": active_version.number,
    }
    assert body["spell_external_id"] == citizen.spells.get().external_id
    events = since(before)
    assert [e.action for e in events] == [AuditAction.CITIZEN_VIEW, AuditAction.ESTIMATE_VIEW]
    assert {e.user_id for e in events} == {service.pk}
    assert {e.role for e in events} == {"service"}
    assert events[0].details == {"channel": "api", "view": "assessment"}
    assert events[1].output["band"] == estimate["band"]
    assert "1704921234" not in answer.content.decode()  # never the CPR number


def test_it_finds_the_citizen_by_the_case_systems_spell_id(
    service_client, service, citizen, active_version, judgement_first_off
):
    spell = citizen.spells.get()
    before = last()
    answer = service_client.get(spell_url(spell))
    assert answer.status_code == 200 and answer.json()["citizen_id"] == str(citizen.pk)
    assert [e.action for e in since(before)] == [
        AuditAction.CITIZEN_VIEW,
        AuditAction.ESTIMATE_VIEW,
    ]


def test_it_answers_404_for_an_unknown_spell_id(service_client, citizen):
    answer = service_client.get(
        reverse("casework_api:spell_assessment", kwargs={"external_id": "NOPE-1"})
    )
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"


def test_it_withholds_the_estimate_from_the_case_system_until_a_judgement_is_recorded(
    service_client, caseworker, citizen, active_version
):
    """Judgement first (the default): the case system gets what the caseworker would."""
    body = service_client.get(assessment_url(citizen)).json()
    assert body["state"] == "judgement_first" and body["estimate"] is None
    judge(caseworker, citizen)
    body = service_client.get(assessment_url(citizen)).json()
    assert body["state"] == "shown" and body["estimate"] is not None
    assert body["judgement"]["risk_band"] == "high"
    assert body["judgement"]["caseworker"] == caseworker.get_full_name()


def test_another_jobcenters_service_account_gets_404_and_the_refusal_is_recorded(
    foreign_service_key, citizen, active_version
):
    foreign, key = foreign_service_key
    answer = key_client(key).get(assessment_url(citizen))
    assert answer.status_code == 404
    refused = AuditEvent.objects.get(action=AuditAction.ACCESS_REFUSED)
    assert refused.user_id == foreign.pk and refused.citizen_id is None  # not its citizen
    assert not AuditEvent.objects.filter(action=AuditAction.CITIZEN_VIEW).exists()


# -- People --------------------------------------------------------------------------------


def test_the_caseworker_gets_their_teams_citizen_as_on_the_page(
    client, caseworker, citizen, active_version, judgement_first_off
):
    client.force_login(caseworker)
    before = last()
    answer = client.get(assessment_url(citizen))
    assert answer.status_code == 200 and answer.json()["state"] == "shown"
    events = since(before)
    assert [e.action for e in events] == [AuditAction.CITIZEN_VIEW, AuditAction.ESTIMATE_VIEW]
    assert {e.user_id for e in events} == {caseworker.pk}


def test_a_colleague_sees_their_own_judgement_only(client, caseworker, colleague, citizen):
    judge(caseworker, citizen)
    client.force_login(colleague)
    assert client.get(assessment_url(citizen)).json()["judgement"] is None


@pytest.mark.parametrize(
    "persona", ["other_caseworker", "foreign_caseworker", "manager", "dpo", "analyst"]
)
def test_everybody_else_gets_404_and_the_refusal_is_recorded(
    request, client, citizen, active_version, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for name in ("citizen_assessment", "citizen_journal_note"):
        before = last()
        answer = client.get(assessment_url(citizen, name))
        assert answer.status_code == 404, name
        assert answer.json()["status"] == 404
        assert [e.action for e in since(before)] == [AuditAction.ACCESS_REFUSED]


def test_anonymous_gets_401_not_a_redirect(client, citizen):
    answer = client.get(assessment_url(citizen))
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Api-Key"
    assert answer.json()["type"] == "urn:jobcenter:problem:not_authenticated"


# -- The objection --------------------------------------------------------------------------


def test_after_an_objection_the_assessment_is_refused_with_a_reason(
    service_client, service, caseworker, citizen, active_version, judgement_first_off
):
    objection_record(
        user=caseworker,
        citizen_id=citizen.pk,
        received_on=datetime.date(2026, 11, 2),
        channel=Objection.Channel.PHONE,
    )
    before = last()
    answer = service_client.get(assessment_url(citizen))
    assert answer.status_code == 409
    body = answer.json()
    assert body["type"] == "urn:jobcenter:problem:objection"
    assert body["detail_da"].startswith("Borgeren har gjort indsigelse mod profilering.")
    assert body["detail_en"].startswith("The citizen has objected to profiling.")
    # The lookup is recorded, as the page records it; nothing was computed or shown.
    events = since(before)
    assert [e.action for e in events] == [AuditAction.CITIZEN_VIEW]
    assert events[0].user_id == service.pk
    note = service_client.get(assessment_url(citizen, "citizen_journal_note")).json()
    assert note["estimate"] is None and "indsigelse" in note["text"]
    assert "Estimeret risiko" not in note["text"]


# -- The journal note -------------------------------------------------------------------------


def test_the_journal_note_puts_the_judgement_first_and_is_audited(
    service_client, service, caseworker, citizen, active_version
):
    judge(caseworker, citizen)
    before = last()
    answer = service_client.get(assessment_url(citizen, "citizen_journal_note"))
    assert answer.status_code == 200
    note = answer.json()
    text = note["text"]
    assert text.index("Sagsbehandlerens vurdering: Høj risiko.") < text.index(
        "Baggrund: modellens estimat"
    )
    assert text.index("Baggrund: modellens estimat") < text.index("Estimeret risiko")
    assert f"Model: default, version {active_version.number}." in text
    assert "Dato: " in text and "Karen" not in text and "1704921234" not in text
    assert note["judgement"]["risk_band"] == "high" and note["estimate"] is not None
    events = since(before)
    assert [e.action for e in events] == [AuditAction.CITIZEN_VIEW, AuditAction.ESTIMATE_VIEW]
    assert events[0].details == {"channel": "api", "view": "journal_note"}
    assert {e.user_id for e in events} == {service.pk}


def test_the_journal_note_by_spell_id(service_client, citizen, active_version):
    answer = service_client.get(spell_url(citizen.spells.get(), "spell_journal_note"))
    assert answer.status_code == 200
    note = answer.json()
    assert note["judgement"] is None and note["estimate"] is None  # judgement first
    assert "Der er endnu ikke registreret en faglig vurdering." in note["text"]
    assert note["withheld"] == "Estimatet vises først, når en faglig vurdering er registreret."


def test_the_case_systems_read_takes_a_fixed_number_of_queries(
    service_key, citizen, active_version, judgement_first_off, django_assert_num_queries
):
    from django.db import connection

    client = key_client(service_key[1])
    url = assessment_url(citizen)
    assert client.get(url).status_code == 200  # the first read stores the estimate
    with django_assert_num_queries(QUERIES[connection.vendor]):
        assert client.get(url).status_code == 200
