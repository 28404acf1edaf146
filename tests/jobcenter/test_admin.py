"""The Django admin: Danish section names, each person's role in the staff list, no way
around an audited setting, and no audit log at all (the DPO's pages are the way to read
it, and every read there is an event)."""

import pytest
from django.urls import NoReverseMatch, reverse

from audit.models import AuditEvent
from tests.factories import Role, make_staff


@pytest.fixture
def administrator(jobcenter):
    return make_staff("root", Role.ADMINISTRATOR, jobcenter=jobcenter)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_the_audit_log_is_not_in_the_admin(admin_client, caseworker):
    with pytest.raises(NoReverseMatch):
        reverse("admin:audit_auditevent_changelist")
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Loghændelser" not in page and "loghændelser" not in page.lower()
    assert admin_client.get("/admin/audit/auditevent/").status_code == 404
    assert not AuditEvent.objects.filter(action="audit.view").exists()


def test_section_names_are_danish_and_the_staff_list_shows_role_and_team(
    admin_client, caseworker
):
    index = admin_client.get(reverse("admin:index")).content.decode()
    for section in ("Organisation", "Modeller"):  # casework is not in the admin at all
        assert section in index
    staff = admin_client.get(reverse("admin:jobcenter_user_changelist")).content.decode()
    assert "Sagsbehandler" in staff and "Team A" in staff


def test_judgement_first_cannot_be_changed_around_its_audited_service(admin_client, jobcenter):
    url = reverse("admin:jobcenter_jobcenter_change", args=[jobcenter.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="judgement_first"' not in page
    admin_client.post(
        url,
        {
            "name": jobcenter.name,
            "municipality_code": jobcenter.municipality_code,
            "dpo_contact": jobcenter.dpo_contact,
            "judgement_first": "",
        },
    )
    jobcenter.refresh_from_db()
    assert jobcenter.judgement_first is True


def test_an_administrator_is_no_superuser_and_may_not_see_citizens(administrator, citizen):
    from casework.permissions import VIEW_CITIZEN

    assert administrator.is_staff and not administrator.is_superuser
    assert not administrator.has_perm(VIEW_CITIZEN, citizen)
    assert not administrator.has_perm(VIEW_CITIZEN)


def test_the_admin_is_for_administrators_only(client, caseworker, dpo):
    for user in (caseworker, dpo):
        client.force_login(user)
        for url in (reverse("admin:index"), reverse("admin:jobcenter_user_changelist")):
            answer = client.get(url, follow=True)
            assert answer.status_code == 403, url
            assert "Ingen adgang" in answer.content.decode()


def test_the_admin_logs_in_through_the_one_login(client, db):
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))
    answer = client.get(reverse("admin:index"), follow=True)
    assert answer.redirect_chain[-1][0].startswith(reverse("login"))
    assert 'name="password"' in answer.content.decode()


def test_the_admin_shows_only_the_own_jobcenter(admin_client, caseworker, foreign_caseworker):
    staff = admin_client.get(reverse("admin:jobcenter_user_changelist")).content.decode()
    assert caseworker.username in staff
    assert foreign_caseworker.username not in staff
    other = reverse("admin:jobcenter_user_change", args=[foreign_caseworker.pk])
    assert admin_client.get(other).status_code in {302, 404}
    assert foreign_caseworker.jobcenter.name not in admin_client.get(
        reverse("admin:jobcenter_jobcenter_changelist")
    ).content.decode()
    form = admin_client.get(
        reverse("admin:jobcenter_user_change", args=[caseworker.pk])
    ).content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form
    assert "Jobcenter Andetsteds" not in form


def test_every_change_in_the_admin_is_an_audit_event(admin_client, administrator, team_a):
    url = reverse("admin:jobcenter_team_change", args=[team_a.pk])
    answer = admin_client.post(url, {"name": "Team Nord", "jobcenter": team_a.jobcenter_id})
    assert answer.status_code == 302
    event = AuditEvent.objects.get(action="admin.change")
    assert event.user_id == administrator.pk
    assert event.object_type == "jobcenter.team" and event.object_id == str(team_a.pk)
    assert event.details["kind"] == "change"


def test_locked_logins_and_lost_phones_are_handled_in_the_admin(
    admin_client, administrator, caseworker
):
    url = reverse("admin:jobcenter_user_changelist")
    for action in ("unlock_login", "reset_second_factor"):
        answer = admin_client.post(
            url, {"action": action, "_selected_action": [caseworker.pk]}, follow=True
        )
        assert answer.status_code == 200
    assert AuditEvent.objects.filter(action="auth.unlock", user=administrator).exists()
    assert AuditEvent.objects.filter(action="auth.otp_reset", user=administrator).exists()
