import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_citizen_with_spell

CASELOAD = reverse("casework:caseload")


def test_it_requires_login(client, db):
    assert client.get(CASELOAD).status_code == 302


def test_it_lists_my_citizens_with_meetings_and_status(login, caseworker, citizen, team_a):
    make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=1, name="Ole Hansen")
    page = login(caseworker).get(CASELOAD).content.decode()
    assert "Karen Jensen" in page and "Ole Hansen" in page
    assert "Venter på vurdering" in page
    assert "Før 2. samtale" in page
    assert "170492-XXXX" in page and "1704921234" not in page


def test_it_filters_by_status(login, caseworker, citizen, team_a):
    make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=1, name="Ole Hansen")
    page = login(caseworker).get(CASELOAD, {"status": "not_yet"}).content.decode()
    assert "Ole Hansen" in page and "Karen Jensen" not in page


def test_a_colleague_sees_the_citizen_in_the_team_view_not_in_their_own(
    login, colleague, citizen
):
    client = login(colleague)
    assert "Karen Jensen" not in client.get(CASELOAD).content.decode()
    assert "Karen Jensen" in client.get(CASELOAD, {"scope": "team"}).content.decode()


@pytest.mark.parametrize("persona", ["other_caseworker", "manager", "foreign_caseworker"])
def test_other_teams_see_none_of_it(request, login, citizen, persona):
    client = login(request.getfixturevalue(persona))
    for scope in ("mine", "team"):
        assert "Karen Jensen" not in client.get(CASELOAD, {"scope": scope}).content.decode()


def test_it_sorts_by_name(login, caseworker, citizen, team_a):
    make_citizen_with_spell(team=team_a, caseworker=caseworker, name="Anders Berg")
    page = login(caseworker).get(CASELOAD, {"sort": "name"}).content.decode()
    assert page.index("Anders Berg") < page.index("Karen Jensen")


def test_it_uses_a_fixed_number_of_queries(login, caseworker, citizen, team_a):
    client = login(caseworker)
    client.get(CASELOAD)
    with CaptureQueriesContext(connection) as few:
        client.get(CASELOAD)
    for n in range(5):
        make_citizen_with_spell(team=team_a, caseworker=caseworker, name=f"Borger {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(CASELOAD)
    assert len(few) == len(many)


def test_the_status_follows_what_was_recorded_and_the_filter_offers_each(
    login, caseworker, citizen, team_a
):
    import datetime

    from casework.judgements import judgement_record
    from casework.services import objection_record

    karen_spell = citizen.spells.get()
    objecting, _spell = make_citizen_with_spell(
        team=team_a, caseworker=caseworker, name="Ole Hansen", cpr="0101801235"
    )
    judgement_record(
        user=caseworker,
        citizen_id=citizen.pk,
        snapshot_id=karen_spell.snapshots.get().pk,
        estimate_id=None,
        risk_band="medium",
        agreement="not_seen",
        next_step="guidance",
    )
    objection_record(
        user=caseworker,
        citizen_id=objecting.pk,
        received_on=datetime.date(2026, 10, 1),
        channel="letter",
    )
    client = login(caseworker)
    page = client.get(CASELOAD).content.decode()
    assert "Vurderet" in page and "Indsigelse mod profilering" in page
    assert "Venter på vurdering</td>" not in page
    for status, shown, hidden in (
        ("assessed", "Karen Jensen", "Ole Hansen"),
        ("objection", "Ole Hansen", "Karen Jensen"),
    ):
        listed = client.get(CASELOAD, {"status": status}).content.decode()
        assert shown in listed and hidden not in listed
    assert 'value="assessed"' in page and 'value="objection"' in page
    assert "Karen Jensen" not in client.get(CASELOAD, {"status": "waiting"}).content.decode()
