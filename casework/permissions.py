"""Who may see which citizen. The only module that calls django-guardian.

A team's group holds ``view_citizen`` on every citizen with an open spell in the team;
so the assigned caseworker and their colleagues see the citizen, and nobody else does.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from casework.models import Citizen, CitizenGroupObjectPermission
from jobcenter.models import Team, User

VIEW_CITIZEN = "casework.view_citizen"


def citizens_visible_to(*, user: User, queryset: QuerySet[Citizen] | None = None) -> QuerySet:
    """The citizens ``user`` may see, always within the user's own jobcenter."""
    if not user.is_authenticated or not user.is_active or user.jobcenter_id is None:
        return Citizen.objects.none()
    base = queryset if queryset is not None else Citizen.objects.all()
    base = base.filter(jobcenter_id=user.jobcenter_id)
    return get_objects_for_user(
        user, VIEW_CITIZEN, klass=base, accept_global_perms=False, with_superuser=False
    )


def citizen_team_access_grant(*, citizen: Citizen, team: Team) -> None:
    assign_perm(VIEW_CITIZEN, team.group, citizen)


def citizen_team_access_revoke(*, citizen: Citizen, team: Team) -> None:
    remove_perm(VIEW_CITIZEN, team.group, citizen)


def citizen_team_access_bulk_grant(*, pairs: Iterable[tuple[str, int]]) -> int:
    """Grants teams (by group id) access to citizens (by id) in bulk, for imports and
    demo data; the same rows guardian's ``assign_perm`` writes."""
    permission = Permission.objects.get(
        content_type__app_label="casework", codename="view_citizen"
    )
    rows = [
        CitizenGroupObjectPermission(
            permission=permission, group_id=group_id, content_object_id=citizen_id
        )
        for citizen_id, group_id in pairs
    ]
    CitizenGroupObjectPermission.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
