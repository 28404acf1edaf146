"""The Django admin: Danish section names, each person's role in the staff list, no way
around an audited setting, and no audit log at all (the DPO's pages are the way to read
it, and every read there is an event)."""

import pytest
from django.urls import NoReverseMatch, reverse

from audit.models import AuditEvent
from tests.factories import Role, make_staff


@pytest.fixture
def admin_client(client, jobcenter):
    superuser = make_staff("root", Role.ADMINISTRATOR, jobcenter=jobcenter)
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
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
