"""Every casework page and action: the assigned caseworker and their team get in; a
caseworker from another team (or municipality), a manager, the DPO and an analyst get
a 404 for an action and a 403 page for a page (tests/casework/test_access_refused.py),
and change nothing. The judgement-first setting page is for managers only."""

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import AssessmentSnapshot, Judgement, Objection, RuleFeedback
from jobcenter.models import Jobcenter
from tests.casework.conftest import citizen_url, events

OUTSIDERS = ["other_caseworker", "foreign_caseworker", "manager", "dpo", "analyst"]
INSIDERS = ["caseworker", "colleague"]


def _actions(citizen):
    """(method, url name, POST data) for every page and action on a citizen."""
    snapshot = AssessmentSnapshot.objects.get(spell__citizen=citizen)
    return {
        "page": ("get", "citizen", {}),
        "judgement": (
            "post",
            "judgement",
            {"snapshot_id": snapshot.pk, "risk_band": "low", "next_step": "guidance"},
        ),
        "rule_feedback": (
            "post",
            "rule_feedback",
            {"estimate_id": 1, "feature": "age", "kind": "irrelevant"},
        ),
        "correction": (
            "post",
            "correction",
            {"snapshot_id": snapshot.pk, "feature": "age", "value": "40", "source": "CPR"},
        ),
        "objection": ("post", "objection", {"received_on": "2026-11-02", "channel": "letter"}),
        "objection_withdraw": ("post", "objection_withdraw", {}),
        "letter": ("get", "letter", {"language": "da"}),
        "letter_pdf": ("get", "letter_pdf", {"language": "en"}),
    }


ACTIONS = [
    "page",
    "judgement",
    "rule_feedback",
    "correction",
    "objection",
    "objection_withdraw",
    "letter",
    "letter_pdf",
]


def _call(client, citizen, action):
    method, name, data = _actions(citizen)[action]
    return getattr(client, method)(citizen_url(citizen, name), data)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_are_refused_and_change_nothing(request, login, citizen, persona, action):
    client = login(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()
    response = _call(client, citizen, action)
    page = _actions(citizen)[action][0] == "get"
    assert response.status_code == (403 if page else 404)
    assert "Karen Jensen" not in response.content.decode()
    assert AssessmentSnapshot.objects.count() == 1
    assert not Judgement.objects.exists() and not Objection.objects.exists()
    assert not RuleFeedback.objects.exists()
    # A page opened by link leaves one event: the refusal; an action leaves none.
    refused = AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).count()
    assert refused == (1 if page else 0)
    assert AuditEvent.objects.count() == before + refused


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", INSIDERS)
def test_the_caseworker_and_the_team_get_in(request, login, citizen, persona, action):
    response = _call(login(request.getfixturevalue(persona)), citizen, action)
    # A page is shown; an action is carried out (302) or refused with a reason, never a 404.
    assert response.status_code in (200, 302, 400), response.status_code


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_visitors_are_sent_to_login(client, citizen, action):
    response = _call(client, citizen, action)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_actions_need_post_and_the_page_needs_get_or_an_action(login, caseworker, citizen):
    client = login(caseworker)
    # The page takes its own forms' POSTs (naming their action); anything else is a 400.
    assert client.post(citizen_url(citizen)).status_code == 400
    assert client.post(citizen_url(citizen), {"action": "nothing"}).status_code == 400
    assert client.post(citizen_url(citizen, "letter")).status_code == 405
    assert client.post(citizen_url(citizen, "letter_pdf")).status_code == 405
    for name in ("judgement", "rule_feedback", "correction", "objection", "objection_withdraw"):
        assert client.get(citizen_url(citizen, name)).status_code == 405


def test_actions_need_a_csrf_token(caseworker, citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = _call(client, citizen, "objection")
    assert response.status_code == 403
    assert not Objection.objects.exists()


SETTING = reverse("casework:judgement_first")


@pytest.mark.parametrize(
    "persona", ["caseworker", "colleague", "other_caseworker", "dpo", "analyst"]
)
def test_only_managers_see_the_judgement_first_setting(request, login, jobcenter, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(SETTING).status_code == 404
    assert client.post(SETTING, {}).status_code == 404
    jobcenter.refresh_from_db()
    assert jobcenter.judgement_first is True


def test_a_manager_switches_judgement_first_and_it_is_audited(login, manager, jobcenter):
    client = login(manager)
    page = client.get(SETTING).content.decode()
    assert 'id="judgement-first-enabled" checked' in page
    response = client.post(SETTING, {})  # an unticked checkbox sends nothing
    assert response.status_code == 302
    jobcenter.refresh_from_db()
    assert jobcenter.judgement_first is False
    (event,) = events(AuditAction.SETTING_CHANGE)
    assert event.details == {"setting": "judgement_first", "from": True, "to": False}
    assert events(AuditAction.MODEL_POLICY) == []  # not the policy for the model
    assert event.user == manager and event.jobcenter_id == jobcenter.pk
    client.post(SETTING, {"enabled": "on"})
    jobcenter.refresh_from_db()
    assert jobcenter.judgement_first is True


def test_a_manager_elsewhere_switches_only_their_own_jobcenter(login, jobcenter, db):
    from tests.factories import JobcenterFactory, Role, make_staff

    elsewhere = JobcenterFactory(name="Jobcenter Andetsteds", municipality_code="903")
    other_manager = make_staff("morten", Role.MANAGER, jobcenter=elsewhere)
    login(other_manager).post(SETTING, {})
    assert Jobcenter.objects.get(pk=jobcenter.pk).judgement_first is True
    assert Jobcenter.objects.get(pk=elsewhere.pk).judgement_first is False
