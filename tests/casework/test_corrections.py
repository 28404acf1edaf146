"""Correcting an input: a new snapshot names the one it corrects, it is scored at once,
and both are kept and shown."""

import datetime

from audit.actions import AuditAction
from casework.models import AssessmentSnapshot, Estimate
from casework.services import objection_record
from tests.casework.conftest import citizen_url, events, last_event_id


def _correct(client, citizen, snapshot=None, **data):
    snapshot = snapshot or citizen.spells.get().snapshots.order_by("-pk").first()
    form = {"snapshot_id": snapshot.pk, "feature": "months_employed_3y", "source": "eIndkomst"}
    return client.post(citizen_url(citizen, "correction"), form | data)


def test_a_correction_is_a_new_snapshot_scored_at_once(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    original = AssessmentSnapshot.objects.get()
    before = last_event_id()
    response = _correct(client, citizen, value="2", reason="Borgeren oplyste forkert")
    assert response.status_code == 302
    corrected = AssessmentSnapshot.objects.exclude(pk=original.pk).get()
    assert corrected.corrects == original and corrected.created_by == caseworker
    assert corrected.values["months_employed_3y"]["value"] == 2.0
    assert corrected.values["months_employed_3y"]["source"] == "eIndkomst"
    assert original.values["months_employed_3y"]["value"] == 20.0  # kept as it was
    new_estimate = Estimate.objects.get(snapshot=corrected)
    assert new_estimate.model_version == active_version and new_estimate.is_scored
    (event,) = events(since=before)
    assert event.action == AuditAction.CORRECTION
    assert event.details["from"] == 20.0 and event.details["to"] == 2.0
    assert event.model_version_id == active_version.pk
    assert event.output["probability"] == round(new_estimate.probability, 6)

    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="input-months_employed_3y-original"' in page
    assert "Oprindelig: 20 måneder (kilde: DREAM" in page
    assert 'id="corrections"' in page and "Borgeren oplyste forkert" in page
    assert 'id="estimate-previous"' in page  # the score before the correction


def test_an_invalid_value_is_explained_and_kept(login, caseworker, citizen, active_version):
    client = login(caseworker)
    response = _correct(client, citizen, value="300")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Skriv et tal fra 0 til 36." in page
    assert 'value="300"' in page
    assert '<details id="correct-months_employed_3y" open>' in page
    assert AssessmentSnapshot.objects.count() == 1
    assert not events(AuditAction.CORRECTION)


def test_the_source_is_required(login, caseworker, citizen):
    response = _correct(login(caseworker), citizen, value="3", source="")
    assert response.status_code == 400
    assert "Skriv, hvor den rigtige oplysning kommer fra." in response.content.decode()


def test_a_category_must_be_one_of_the_specification(login, caseworker, citizen):
    response = _correct(login(caseworker), citizen, feature="education", value="phd")
    assert response.status_code == 400
    assert "Vælg en af de mulige værdier." in response.content.decode()


def test_correcting_a_replaced_snapshot_is_refused(login, caseworker, citizen):
    client = login(caseworker)
    original = AssessmentSnapshot.objects.get()
    assert _correct(client, citizen, value="3").status_code == 302
    response = _correct(client, citizen, snapshot=original, value="4")
    assert response.status_code == 302
    assert AssessmentSnapshot.objects.count() == 2


def test_a_correction_for_a_citizen_who_objects_is_not_scored(
    login, caseworker, citizen, active_version
):
    objection_record(
        user=caseworker, citizen_id=citizen.pk, received_on=datetime.date.today(), channel="letter"
    )
    assert _correct(login(caseworker), citizen, value="3").status_code == 302
    assert AssessmentSnapshot.objects.count() == 2
    assert not Estimate.objects.exists()
    assert events(AuditAction.CORRECTION)[0].details["scoring"] == "objection"


def test_markup_in_a_correction_is_shown_as_text_and_the_rows_own_markup_is_not(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    response = _correct(
        client, citizen, value="2", source='<b onclick="x()">eIndkomst</b>', reason="<i>ja</i>"
    )
    assert response.status_code == 302
    page = client.get(citizen_url(citizen)).content.decode()
    assert "<td>&lt;b onclick=&quot;x()&quot;&gt;eIndkomst&lt;/b&gt;</td>" in page
    assert "<b onclick" not in page and "<i>ja</i>" not in page
    assert '<span class="muted" id="input-months_employed_3y-original">Oprindelig: 20' in page
    assert '<span class="visually-hidden">Måneder i beskæftigelse' in page
