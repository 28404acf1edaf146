"""Four eyes on the grants that open the log or citizens' data: the DPO role and a
team are asked for in the admin and take effect only when a second person (another
administrator or the DPO) confirms; both steps are audit events."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from casework.permissions import VIEW_CITIZEN
from jobcenter.models import GrantRequest, Role, User
from tests.factories import make_staff


@pytest.fixture
def admin_a(jobcenter):
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


@pytest.fixture
def admin_b(jobcenter):
    return make_staff("bent", Role.ADMINISTRATOR, jobcenter=jobcenter)


def _change(client, user, **fields):
    """Posts the admin's staff form for ``user`` with ``fields`` changed."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role or "",
        "team": user.team_id or "",
        **fields,
    }
    return client.post(
        reverse("admin:jobcenter_user_change", args=[user.pk]), data, follow=True
    )


def _reload(user) -> User:
    return User.objects.get(pk=user.pk)


def test_the_dpo_role_waits_for_a_second_person(client, admin_a, admin_b, analyst):
    client.force_login(admin_a)
    answer = _change(client, analyst, role=Role.DPO.value)
    assert "venter på, at en anden administrator" in answer.content.decode()
    assert _reload(analyst).role == Role.ANALYST.value  # nothing changed yet
    grant = GrantRequest.objects.get(user=analyst)
    assert grant.state == GrantRequest.State.PENDING and grant.requested_by == admin_a
    assert AuditEvent.objects.filter(action="user.grant_request", user=admin_a).count() == 1

    # The one who asked cannot confirm it.
    page = client.get(reverse("grants")).content.decode()
    assert "Du kan ikke selv afgøre denne." in page
    refused = client.post(
        reverse("grants"), {"grant": grant.pk, "decision": "confirm"}, follow=True
    )
    assert "kan ikke selv bekræfte" in refused.content.decode()
    assert _reload(analyst).role == Role.ANALYST.value

    client.force_login(admin_b)
    done = client.post(
        reverse("grants"), {"grant": grant.pk, "decision": "confirm", "note": "Aftalt"},
        follow=True,
    )
    assert "Bekræftet" in done.content.decode()
    assert _reload(analyst).role == Role.DPO.value
    event = AuditEvent.objects.get(action="user.grant_confirm")
    assert event.user_id == admin_b.pk and event.details["requested_by"] == "ada"
    # The confirmation is the record of the change: no second role-change event.
    later = AuditEvent.objects.filter(pk__gte=event.pk, object_id=str(analyst.pk))
    assert not later.filter(action="user.role_change").exists()


def test_a_team_waits_and_then_opens_the_teams_citizens(
    client, admin_a, dpo, jobcenter, team_a, citizen
):
    newcomer = make_staff("nina", Role.CASEWORKER, jobcenter=jobcenter)
    assert not newcomer.has_perm(VIEW_CITIZEN, citizen)
    client.force_login(admin_a)
    _change(client, newcomer, team=team_a.pk)
    assert _reload(newcomer).team_id is None
    assert not _reload(newcomer).has_perm(VIEW_CITIZEN, citizen)

    grant = GrantRequest.objects.get(user=newcomer)
    client.force_login(dpo)  # the DPO may be the second person
    client.post(reverse("grants"), {"grant": grant.pk, "decision": "confirm"})
    newcomer = _reload(newcomer)
    assert newcomer.team_id == team_a.pk
    assert newcomer.has_perm(VIEW_CITIZEN, citizen)


def test_a_rejected_grant_changes_nothing(client, admin_a, admin_b, analyst):
    client.force_login(admin_a)
    _change(client, analyst, role=Role.DPO.value)
    grant = GrantRequest.objects.get(user=analyst)
    client.force_login(admin_b)
    client.post(reverse("grants"), {"grant": grant.pk, "decision": "reject", "note": "Nej"})
    assert _reload(analyst).role == Role.ANALYST.value
    grant.refresh_from_db()
    assert grant.state == GrantRequest.State.REJECTED and grant.decided_by == admin_b
    assert AuditEvent.objects.filter(action="user.grant_reject", user=admin_b).exists()
    # Decided is decided.
    again = client.post(
        reverse("grants"), {"grant": grant.pk, "decision": "confirm"}, follow=True
    )
    assert "allerede afgjort" in again.content.decode()


def test_nobody_confirms_a_grant_to_themselves(client, admin_a, admin_b):
    client.force_login(admin_a)
    _change(client, admin_b, role=Role.DPO.value)
    grant = GrantRequest.objects.get(user=admin_b)
    client.force_login(admin_b)
    client.post(reverse("grants"), {"grant": grant.pk, "decision": "confirm"})
    assert _reload(admin_b).role == Role.ADMINISTRATOR.value


def test_other_roles_and_taking_a_team_away_apply_at_once(client, admin_a, caseworker):
    client.force_login(admin_a)
    _change(client, caseworker, team="")
    assert _reload(caseworker).team_id is None
    assert not GrantRequest.objects.exists()
    _change(client, _reload(caseworker), role=Role.ANALYST.value)
    assert _reload(caseworker).role == Role.ANALYST.value
    assert not GrantRequest.objects.exists()


def test_the_grants_page_is_for_administrators_and_the_dpo(client, caseworker, manager):
    for user in (caseworker, manager):
        client.force_login(user)
        assert client.get(reverse("grants")).status_code == 404
