"""An objection to profiling: recorded with date and channel; from then on no score is
computed or shown; it can be withdrawn."""

import datetime

from audit.actions import AuditAction
from casework.models import Estimate, Objection
from casework.scoring import open_spells_rescore
from tests.casework.conftest import citizen_url, events, last_event_id


def test_recording_and_withdrawing_an_objection(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    before = last_event_id()
    response = client.post(
        citizen_url(citizen, "objection"),
        {"received_on": "2026-11-02", "channel": "phone", "note": "Ringede ind"},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (
        objection.received_on == datetime.date(2026, 11, 2) and objection.recorded_by == caseworker
    )
    assert [e.action for e in events(since=before)] == [AuditAction.OBJECTION_RECORD]
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Borgeren har gjort indsigelse mod profilering (2. november 2026)" in page
    assert 'id="estimate-probability"' not in page

    before = last_event_id()
    assert client.post(citizen_url(citizen, "objection_withdraw"), {}).status_code == 302
    objection.refresh_from_db()
    assert objection.withdrawn_by == caseworker and objection.withdrawn_at is not None
    assert [e.action for e in events(since=before)] == [AuditAction.OBJECTION_WITHDRAW]
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="estimate-probability"' in page


def test_no_score_is_computed_for_a_citizen_who_objects(login, caseworker, citizen, active_version):
    Estimate.objects.all().delete()
    login(caseworker).post(
        citizen_url(citizen, "objection"), {"received_on": "2026-11-02", "channel": "letter"}
    )
    assert open_spells_rescore(model_version_id=active_version.pk) == 0
    assert not Estimate.objects.exists()


def test_an_objection_needs_a_date_not_in_the_future_and_a_channel(login, caseworker, citizen):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    response = login(caseworker).post(
        citizen_url(citizen, "objection"),
        {"received_on": tomorrow.isoformat(), "channel": "letter", "note": "min note"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Datoen kan ikke ligge i fremtiden." in page and "min note" in page
    response = login(caseworker).post(citizen_url(citizen, "objection"), {"received_on": ""})
    assert "Skriv datoen for indsigelsen." in response.content.decode()
    assert "Vælg, hvordan indsigelsen kom." in response.content.decode()
    assert not Objection.objects.exists()


def test_a_second_objection_and_a_withdrawal_without_one_are_refused(login, caseworker, citizen):
    client = login(caseworker)
    assert client.post(citizen_url(citizen, "objection_withdraw"), {}).status_code == 302
    assert not events(AuditAction.OBJECTION_WITHDRAW)
    data = {"received_on": "2026-11-02", "channel": "letter"}
    client.post(citizen_url(citizen, "objection"), data)
    client.post(citizen_url(citizen, "objection"), data)
    assert Objection.objects.count() == 1
    assert len(events(AuditAction.OBJECTION_RECORD)) == 1
