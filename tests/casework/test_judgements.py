"""The caseworker's own judgement and feedback on a rule: recorded beside the model's
estimate, one audit event per action, never a proposal from the system."""

import pytest
from django.db import IntegrityError, transaction

from audit.actions import AuditAction
from casework.models import Estimate, Judgement, RuleFeedback
from tests.casework.conftest import citizen_url, events, last_event_id


def _snapshot(citizen):
    return citizen.spells.get().snapshots.order_by("-pk").first()


def _post_judgement(client, citizen, **data):
    form = {"snapshot_id": _snapshot(citizen).pk, "next_step": "internship", "risk_band": "high"}
    return client.post(citizen_url(citizen, "judgement"), form | data)


@pytest.fixture
def seen(login, caseworker, citizen, active_version, judgement_first_off):
    """Alice has opened the page and seen the estimate."""
    client = login(caseworker)
    client.get(citizen_url(citizen))
    return client, Estimate.objects.get()


def test_the_form_proposes_nothing(login, caseworker, citizen):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    form = page[
        page.index('id="judgement-form"') : page.index("</form>", page.index('id="judgement-form"'))
    ]
    assert "checked" not in form and "selected" not in form.replace('value="" selected', "")


def test_a_judgement_before_the_estimate_is_recorded_as_not_seen(
    login, caseworker, citizen, active_version
):
    client = login(caseworker)
    before = last_event_id()
    response = _post_judgement(client, citizen, agreement="agree")
    assert response.status_code == 302
    judgement = Judgement.objects.get()
    assert (judgement.agreement, judgement.estimate, judgement.risk_band) == (
        "not_seen",
        None,
        "high",
    )
    assert judgement.next_step == "internship" and judgement.caseworker == caseworker
    assert [e.action for e in events(since=before)] == [AuditAction.JUDGEMENT_RECORD]


def test_agreeing_with_the_estimate_shown(seen, citizen, caseworker):
    client, estimate = seen
    before = last_event_id()
    response = _post_judgement(client, citizen, agreement="agree", estimate_id=estimate.pk)
    assert response.status_code == 302
    judgement = Judgement.objects.get()
    assert judgement.estimate == estimate and judgement.agreement == "agree"
    (event,) = events(since=before)
    assert event.action == AuditAction.JUDGEMENT_RECORD
    assert event.model_version_id == estimate.model_version_id
    assert event.output["model_band"] == estimate.band


def test_disagreeing_needs_a_reason_and_keeps_what_was_written(seen, citizen):
    client, estimate = seen
    before = last_event_id()
    response = _post_judgement(
        client, citizen, agreement="disagree", estimate_id=estimate.pk, reason_text="Kender hende"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vælg en begrundelse, når du er uenig." in page
    assert "Kender hende" in page  # the input is kept
    assert 'value="disagree" id="id_agreement_1" checked' in page or "checked" in page
    assert not Judgement.objects.exists()
    assert not events(AuditAction.JUDGEMENT_RECORD, since=before)
    assert not events(AuditAction.DISAGREEMENT, since=before)


def test_a_disagreement_is_one_disagreement_event(seen, citizen):
    client, estimate = seen
    _post_judgement(client, citizen, agreement="agree", estimate_id=estimate.pk)
    before = last_event_id()
    response = _post_judgement(
        client,
        citizen,
        agreement="disagree",
        estimate_id=estimate.pk,
        risk_band="low",
        reason_category="known_information",
        reason_text="Hun har fået tilbud om job fra 1. marts.",
    )
    assert response.status_code == 302
    first, second = Judgement.objects.order_by("pk")
    assert second.supersedes == first  # never updated: a new one supersedes
    (event,) = events(since=before)
    assert event.action == AuditAction.DISAGREEMENT
    assert event.reason == "Hun har fået tilbud om job fra 1. marts."
    assert event.details["reason_category"] == "known_information"
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Uenig med modellens estimat" in page and 'id="estimate-probability"' in page


def test_a_stale_page_is_refused(seen, citizen, caseworker):
    client, estimate = seen
    response = _post_judgement(client, citizen, snapshot_id=999999)
    assert response.status_code == 302
    assert not Judgement.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Oplysningerne er ændret" in page


def test_agreement_cannot_name_an_estimate_hidden_by_judgement_first(
    login, caseworker, citizen, active_version, judgement_first_off, jobcenter
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    estimate = Estimate.objects.get()
    jobcenter.judgement_first = True
    jobcenter.save()
    response = _post_judgement(client, citizen, agreement="agree", estimate_id=estimate.pk)
    assert response.status_code == 302
    assert not Judgement.objects.exists()


def test_the_database_refuses_a_disagreement_without_a_reason(citizen, caseworker, jobcenter):
    spell = citizen.spells.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Judgement.objects.create(
            jobcenter=jobcenter,
            spell=spell,
            snapshot=spell.snapshots.get(),
            caseworker=caseworker,
            risk_band="low",
            agreement="disagree",
            next_step="guidance",
        )


def test_feedback_on_a_rule(seen, citizen, caseworker):
    client, estimate = seen
    before = last_event_id()
    response = client.post(
        citizen_url(citizen, "rule_feedback"),
        {
            "estimate_id": estimate.pk,
            "feature": "benefit_type",
            "kind": "misleading",
            "comment": "Skifter ydelse i næste uge",
        },
    )
    assert response.status_code == 302
    feedback = RuleFeedback.objects.get()
    assert (feedback.feature, feedback.kind, feedback.user) == (
        "benefit_type",
        "misleading",
        caseworker,
    )
    assert feedback.model_version_id == estimate.model_version_id
    (event,) = events(since=before)
    assert event.action == AuditAction.RULE_FEEDBACK
    assert event.details["feature"] == "benefit_type"


def test_feedback_needs_a_kind_and_keeps_the_comment(seen, citizen):
    client, estimate = seen
    response = client.post(
        citizen_url(citizen, "rule_feedback"),
        {"estimate_id": estimate.pk, "feature": "benefit_type", "comment": "Min kommentar"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Angiv, om reglen er irrelevant eller misvisende." in page
    assert "Min kommentar" in page
    assert not RuleFeedback.objects.exists()


def test_feedback_on_an_unknown_input_is_refused(seen, citizen):
    client, estimate = seen
    response = client.post(
        citizen_url(citizen, "rule_feedback"),
        {"estimate_id": estimate.pk, "feature": "gender", "kind": "irrelevant"},
    )
    assert response.status_code == 400
    assert not RuleFeedback.objects.exists()


@pytest.mark.parametrize("number", ["170492-1234", "1704921234", "170492 1234"])
def test_a_cpr_number_in_the_reason_is_refused_and_nothing_is_stored(seen, citizen, number):
    client, estimate = seen
    response = _post_judgement(
        client,
        citizen,
        agreement="disagree",
        estimate_id=estimate.pk,
        risk_band="low",
        reason_category="known_information",
        reason_text=f"Borgeren {number} har fået et job.",
    )
    assert response.status_code == 400
    assert "Skriv ikke et CPR-nummer i teksten" in response.content.decode()
    assert not Judgement.objects.exists()
    assert events(AuditAction.JUDGEMENT_RECORD) == [] and events(AuditAction.DISAGREEMENT) == []
    # Nothing lost: the text stays in the form, for the caseworker to take the number out.
    assert "har fået et job." in response.content.decode()
