"""Breaking the glass: a caseworker outside the caseload gets time-limited access with a
reason; the access and every view during it are flagged for the DPO."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actions import AuditAction
from casework.models import BreakGlassAccess, Judgement
from tests.casework.conftest import citizen_url, events
from tests.casework.guards import casework_guards_lifted

CPR = "1704921234"  # the ``citizen`` fixture's number
URL = reverse("casework:break_glass")


def _break(client, cpr=CPR, category="colleague_absent", text="Alice er syg; borgeren venter"):
    return client.post(URL, {"cpr": cpr, "reason_category": category, "reason_text": text})


def test_breaking_the_glass_grants_an_hour_and_is_flagged(login, other_caseworker, citizen):
    client = login(other_caseworker)
    assert client.get(citizen_url(citizen)).status_code == 403
    response = _break(client)
    assert response.status_code == 302
    assert response["Location"] == citizen_url(citizen)
    access = BreakGlassAccess.objects.get()
    assert access.user == other_caseworker and access.citizen == citizen
    assert access.flagged_for_dpo
    assert access.expires_at - access.starts_at == datetime.timedelta(minutes=60)
    (event,) = events(AuditAction.BREAK_GLASS)
    assert event.flags == ["break_glass", "outside_caseload"]
    assert event.reason == "Alice er syg; borgeren venter"
    assert event.details["reason_category"] == "colleague_absent"
    assert CPR not in str(event.hashed_content())

    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="break-glass-notice"' in page and "Karen Jensen" in page
    view = events(AuditAction.CITIZEN_VIEW)[-1]
    assert view.flags == ["outside_caseload"]


def test_actions_during_the_access_are_flagged(login, other_caseworker, citizen):
    client = login(other_caseworker)
    _break(client)
    snapshot = citizen.spells.get().snapshots.get()
    client.post(
        citizen_url(citizen, "judgement"),
        {"snapshot_id": snapshot.pk, "risk_band": "low", "next_step": "guidance"},
    )
    assert Judgement.objects.get().caseworker == other_caseworker
    assert events(AuditAction.JUDGEMENT_RECORD)[0].flags == ["outside_caseload"]


def test_the_access_expires(login, other_caseworker, citizen):
    client = login(other_caseworker)
    _break(client)
    past = timezone.now() - datetime.timedelta(hours=2)
    with casework_guards_lifted():
        BreakGlassAccess.objects.update(
            starts_at=past, expires_at=past + datetime.timedelta(hours=1)
        )
    assert client.get(citizen_url(citizen)).status_code == 403


def test_the_duration_comes_from_the_setting(login, other_caseworker, citizen, settings):
    settings.BREAK_GLASS_MINUTES = 15
    _break(login(other_caseworker))
    access = BreakGlassAccess.objects.get()
    assert access.expires_at - access.starts_at == datetime.timedelta(minutes=15)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": ""}, "Skriv, hvorfor du skal se borgeren."),
        ({"category": ""}, "Vælg en årsag."),
        ({"cpr": "123"}, "Skriv et gyldigt CPR-nummer (10 cifre)."),
        ({"cpr": "0101901234"}, "Der er ingen borger med dette CPR-nummer i dit jobcenter."),
        ({"text": "."}, "Skriv begrundelsen som mindst en hel sætning"),
        ({"text": "se sag"}, "Skriv begrundelsen som mindst en hel sætning"),
    ],
)
def test_a_reason_and_a_known_citizen_are_required(login, other_caseworker, citizen, data, message):
    response = _break(login(other_caseworker), **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert CPR not in page  # the number is not echoed on an error page
    assert not BreakGlassAccess.objects.exists() and not events(AuditAction.BREAK_GLASS)
    # The refused attempt is an event of its own, holding neither number nor citizen.
    (refused,) = events(AuditAction.ACCESS_REFUSED)
    assert refused.user_id == other_caseworker.pk and refused.citizen_id is None
    assert refused.details["page"] == "break_glass" and refused.details["refused_fields"]
    assert "0101901234" not in str(refused.hashed_content()) and "010190" not in str(
        refused.hashed_content()
    )


def test_another_jobcenters_citizen_gets_the_same_answer_as_nobody(
    login, foreign_caseworker, citizen
):
    """The refusal does not tell whether the number belongs to some jobcenter."""
    response = _break(login(foreign_caseworker))
    assert response.status_code == 400
    assert "Der er ingen borger med dette CPR-nummer i dit jobcenter." in response.content.decode()
    (refused,) = events(AuditAction.ACCESS_REFUSED)
    assert refused.details["codes"] == ["unknown_citizen"] and refused.citizen_id is None


def test_the_citizens_own_team_needs_no_glass(login, colleague, citizen):
    response = _break(login(colleague))
    assert response["Location"] == citizen_url(citizen)
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "dpo", "analyst"])
def test_only_caseworkers_may_break_the_glass(request, login, citizen, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert _break(client).status_code == 404
    assert not BreakGlassAccess.objects.exists()


def test_a_caseworker_elsewhere_cannot_reach_this_jobcenters_citizen(
    login, foreign_caseworker, citizen
):
    response = _break(login(foreign_caseworker))
    assert response.status_code == 400
    assert not BreakGlassAccess.objects.exists()


def test_a_cpr_search_outside_the_caseload_offers_the_glass(login, other_caseworker, citizen):
    response = login(other_caseworker).post(reverse("casework:search"), {"query": CPR})
    page = response.content.decode()
    assert 'id="break-glass-form"' in page
    assert CPR not in response.get("Location", "")
