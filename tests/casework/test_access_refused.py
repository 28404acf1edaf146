"""A citizen outside the caseload opened by a link (another team's citizen): a 403 page
that says there is no access and offers break-the-glass to a caseworker; it names
nobody, and the refusal is an audit event that survives the lookup's rollback."""

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from tests.casework.conftest import citizen_url, events, last_event_id

OUTSIDERS = ["other_caseworker", "foreign_caseworker", "manager", "dpo", "analyst"]


@pytest.mark.parametrize("name", ["citizen", "letter", "letter_pdf"])
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_it_refuses_with_a_403_that_names_nobody(request, login, citizen, persona, name):
    client = login(request.getfixturevalue(persona))
    response = client.get(citizen_url(citizen, name))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ingen adgang til borgeren" in page
    assert "Karen Jensen" not in page
    assert "170492" not in page and "1704921234" not in page


def test_it_offers_break_the_glass_to_a_caseworker(login, other_caseworker, citizen):
    page = login(other_caseworker).get(citizen_url(citizen)).content.decode()
    assert 'id="break-glass-form"' in page
    assert f'action="{reverse("casework:break_glass")}"' in page
    assert 'method="post"' in page


def test_it_offers_no_break_the_glass_to_a_manager(login, manager, citizen):
    page = login(manager).get(citizen_url(citizen)).content.decode()
    assert 'id="break-glass-form"' not in page


def test_the_refusal_is_an_audit_event(login, other_caseworker, citizen):
    client = login(other_caseworker)
    before = last_event_id()
    client.get(citizen_url(citizen))
    # Only the refusal: the rolled-back lookup left no citizen.view behind.
    (event,) = events(since=before)
    assert event.action == AuditAction.ACCESS_REFUSED
    assert event.user_id == other_caseworker.pk
    assert event.citizen_id == citizen.pk
    assert "outside_caseload" in event.flags
    assert event.details == {"page": "citizen", "known_citizen": True}
    assert "Karen" not in str(event.details) and "1704" not in str(event.details)


def test_a_foreign_municipality_gets_no_citizen_in_its_event(login, foreign_caseworker, citizen):
    client = login(foreign_caseworker)
    before = last_event_id()
    client.get(citizen_url(citizen))
    (event,) = events(since=before)
    assert event.action == AuditAction.ACCESS_REFUSED and event.citizen_id is None
    assert event.details["known_citizen"] is False


def test_an_unknown_citizen_looks_the_same(login, caseworker, db):
    url = reverse("casework:citizen", kwargs={"citizen_id": "00000000-0000-0000-0000-000000000000"})
    response = login(caseworker).get(url)
    assert response.status_code == 403
    assert "Ingen adgang til borgeren" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_refusal_is_committed(client, other_caseworker, citizen):
    """With real commits (no test transaction around the request), the refusal is in
    the log after the request although the lookup rolled back."""
    from audit.models import AuditEvent
    from tests.factories import PASSWORD

    assert client.login(username=other_caseworker.username, password=PASSWORD)
    assert client.get(citizen_url(citizen)).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_REFUSED, citizen_id=citizen.pk
    ).exists()
    assert not AuditEvent.objects.filter(
        action=AuditAction.CITIZEN_VIEW, user_id=other_caseworker.pk
    ).exists()


def test_a_form_posted_to_the_page_by_an_outsider_is_a_404_and_changes_nothing(
    login, other_caseworker, citizen
):
    from casework.models import AssessmentSnapshot, Judgement

    client = login(other_caseworker)
    before = last_event_id()
    response = client.post(
        citizen_url(citizen),
        {
            "action": "judgement",
            "snapshot_id": AssessmentSnapshot.objects.get().pk,
            "risk_band": "low",
            "next_step": "guidance",
        },
    )
    assert response.status_code == 404
    assert not Judgement.objects.exists()
    assert events(since=before) == []
