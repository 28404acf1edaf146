"""Role and permission changes are audited: once per change, with who made it, in the
same transaction as the change, wherever it was made (a service, the admin, a shell)."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from audit.actions import AuditAction
from audit.models import AuditEvent
from jobcenter.models import Role, User
from jobcenter.services import roles_ensure
from tests.factories import make_staff


def _role_changes(user):
    return AuditEvent.objects.filter(
        action=AuditAction.ROLE_CHANGE, object_type="user", object_id=str(user.pk)
    ).order_by("sequence")


def test_creating_staff_records_one_role_change(caseworker):
    (event,) = _role_changes(caseworker)
    assert event.details == {"username": "alice", "role": "caseworker", "team": "Team A"}


def test_a_role_granted_in_code_is_recorded_once(caseworker):
    manager_group = roles_ensure()[Role.MANAGER.value]
    with transaction.atomic():
        caseworker.groups.add(manager_group)
    event = _role_changes(caseworker).last()
    assert event.details["groups_added"] == ["manager"]
    assert event.details["groups_removed"] == []
    assert event.details["username"] == "alice"
    assert event.jobcenter_id == caseworker.jobcenter_id
    assert _role_changes(caseworker).count() == 2  # creation + this one


def test_removing_and_clearing_roles_is_recorded(caseworker):
    caseworker.groups.remove(Group.objects.get(name="caseworker"))
    removed = _role_changes(caseworker).last()
    assert removed.details["groups_removed"] == ["caseworker"]
    assert removed.details["role"] is None

    caseworker.groups.clear()
    cleared = _role_changes(caseworker).last()
    assert cleared.details["groups_removed"] == [f"team:{caseworker.jobcenter_id}:Team A"]
    assert _role_changes(caseworker).count() == 3


def test_a_change_from_the_group_side_is_recorded_per_user(caseworker, colleague):
    dpo_group = roles_ensure()[Role.DPO.value]
    dpo_group.user_set.add(caseworker, colleague)
    for user in (caseworker, colleague):
        event = _role_changes(user).last()
        assert event.details["groups_added"] == ["dpo"]


def test_adding_a_group_the_user_already_has_records_nothing(caseworker):
    caseworker.groups.add(Group.objects.get(name="caseworker"))
    assert _role_changes(caseworker).count() == 1


def test_the_change_and_its_event_roll_back_together(caseworker):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        caseworker.groups.add(roles_ensure()[Role.ADMINISTRATOR.value])
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before
    assert not caseworker.groups.filter(name="administrator").exists()


def test_a_role_changed_in_the_admin_is_recorded_with_the_administrator(
    client, caseworker, jobcenter
):
    admin = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    client.force_login(admin)
    url = f"/admin/jobcenter/user/{caseworker.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in {"password"}:
            continue
        if hasattr(field, "fields"):  # split date and time
            widget_values = field.widget.decompress(value)
            for index, part in enumerate(widget_values):
                data[f"{name}_{index}"] = "" if part is None else str(part)
            continue
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            values = list(value.all()) if hasattr(value, "all") else list(value)
            data[name] = [getattr(item, "pk", item) for item in values]
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data["role"] = Role.MANAGER.value  # caseworker -> manager, same team (one role to choose)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    assert User.objects.get(pk=caseworker.pk).role == Role.MANAGER.value
    # The role is set by removing the old role's group, then adding the new one's.
    removed, added = _role_changes(caseworker)[1:]
    assert (removed.details["groups_removed"], removed.details["groups_added"]) == (
        ["caseworker"],
        [],
    )
    assert (added.details["groups_added"], added.details["groups_removed"]) == (["manager"], [])
    assert added.details["role"] == Role.MANAGER.value
    for event in (removed, added):
        assert event.username == "ada" and event.role == Role.ADMINISTRATOR.value
        assert event.request_id is not None


def test_opening_a_spell_records_the_team_access_grant(citizen_spell):
    citizen, spell = citizen_spell
    (event,) = AuditEvent.objects.filter(action=AuditAction.PERMISSION_CHANGE)
    assert event.citizen_id == citizen.pk
    assert event.object_type == "spell" and event.object_id == str(spell.pk)
    assert event.details == {"granted": "view_citizen", "team": "Team A"}
