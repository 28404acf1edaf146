import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent


def _url(citizen):
    return reverse("casework:citizen", kwargs={"citizen_id": citizen.pk})


def test_it_requires_login(client, citizen):
    response = client.get(_url(citizen))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_assigned_caseworker_the_citizen_and_inputs(login, caseworker, citizen):
    response = login(caseworker).get(_url(citizen))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Karen Jensen" in page
    assert "170492-XXXX" in page
    assert "1704921234" not in page and "170492-1234" not in page
    # Inputs with their Danish labels, values, sources and dates
    assert "Højeste fuldførte uddannelse" in page
    assert "Uddannelsesregisteret" in page
    # Protected attributes are not shown as inputs
    assert "Herkomst" not in page


def test_a_colleague_in_the_same_team_sees_the_citizen(login, colleague, citizen):
    assert login(colleague).get(_url(citizen)).status_code == 200


@pytest.mark.parametrize(
    "persona", ["other_caseworker", "manager", "dpo", "analyst", "foreign_caseworker"]
)
def test_anyone_else_gets_a_403(request, login, citizen, persona):
    user = request.getfixturevalue(persona)
    response = login(user).get(_url(citizen))
    assert response.status_code == 403
    assert "Karen Jensen" not in response.content.decode()


def test_an_unknown_citizen_is_the_same_403(login, caseworker, db):
    url = reverse("casework:citizen", kwargs={"citizen_id": "00000000-0000-0000-0000-000000000000"})
    assert login(caseworker).get(url).status_code == 403


def test_the_lookup_is_audited_without_the_cpr_number(login, caseworker, citizen):
    response = login(caseworker).get(_url(citizen))
    event = AuditEvent.objects.filter(action="citizen.view").get()
    assert event.citizen_id == citizen.pk
    assert event.user == caseworker
    assert str(event.request_id) == response["X-Request-ID"]
    assert "1704921234" not in str(event.hashed_content())


def test_a_refused_lookup_leaves_no_view_event(login, other_caseworker, citizen):
    login(other_caseworker).get(_url(citizen))
    assert not AuditEvent.objects.filter(action="citizen.view").exists()


def test_before_meeting_two_it_says_when_an_assessment_comes(login, caseworker, team_a):
    from tests.factories import make_citizen_with_spell

    early, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=1, name="Ole")
    page = login(caseworker).get(_url(early)).content.decode()
    assert "først laves en vurdering efter borgerens 2. samtale" in page


def test_it_uses_a_fixed_number_of_queries(login, caseworker, citizen, team_a):
    from tests.factories import make_citizen_with_spell

    client = login(caseworker)
    client.get(_url(citizen))  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as first:
        client.get(_url(citizen))
    busy, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=5, name="Bo")
    client.get(_url(busy))
    with CaptureQueriesContext(connection) as second:
        client.get(_url(busy))
    assert len(first) == len(second)
    # Session, user, the permission-checked citizen, spells, meetings, snapshots, the
    # user's judgements, estimates, a standing objection, the stop switch, the active
    # version, and the lookup's audit event (see test_estimate_panel for the estimate).
    assert len(first) <= 19, [q["sql"] for q in first.captured_queries]
