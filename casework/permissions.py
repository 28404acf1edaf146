"""Who may see which citizen. The only module that calls django-guardian.

A team's group holds ``view_citizen`` on every citizen with an open spell in the team;
so the assigned caseworker and their colleagues see the citizen, and nobody else does,
except a caseworker with an unexpired "break the glass" access to that one citizen.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from casework.models import (
    BreakGlassAccess,
    Citizen,
    CitizenGroupObjectPermission,
    CitizenUserObjectPermission,
)
from jobcenter.models import Role, Team, User

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


class Access:
    TEAM = "team"
    BREAK_GLASS = "break_glass"
    SERVICE = "service"  # the case system's service account: its own jobcenter's citizens


def citizen_with_access(
    *, user: User, citizen_id, queryset: QuerySet[Citizen] | None = None
) -> tuple[Citizen, str]:
    """The citizen and how ``user`` may see them (``Access.TEAM`` or, for a caseworker
    with an unexpired break-the-glass access, ``Access.BREAK_GLASS``; the jobcenter's
    service account, ``Access.SERVICE``), in one query.
    Raises ``Citizen.DoesNotExist`` otherwise, so forbidden and unknown look alike."""
    if not user.is_authenticated or not user.is_active or user.jobcenter_id is None:
        raise Citizen.DoesNotExist
    base = queryset if queryset is not None else Citizen.objects.all()
    now = timezone.now()
    citizen = (
        base.filter(pk=citizen_id, jobcenter_id=user.jobcenter_id)
        .annotate(
            via_team=_view_granted(user=user),
            via_break_glass=Exists(
                BreakGlassAccess.objects.filter(
                    user_id=user.pk,
                    citizen_id=OuterRef("pk"),
                    starts_at__lte=now,
                    expires_at__gt=now,
                )
            ),
        )
        .get()
    )
    if citizen.via_team:
        return citizen, Access.TEAM
    if user.has_role(Role.SERVICE):
        # The case system holds every citizen of its jobcenter; it reads through the
        # API only (a session of a service account is refused: jobcenter.middleware).
        return citizen, Access.SERVICE
    if citizen.via_break_glass and user.has_role(Role.CASEWORKER):
        return citizen, Access.BREAK_GLASS
    raise Citizen.DoesNotExist


def _view_granted(*, user: User) -> Exists:
    """Whether ``user`` holds ``view_citizen`` on the outer query's citizen, through one
    of their groups (a team) or directly: the rows ``get_objects_for_user`` reads (no
    global permissions, no superuser shortcut), but looked up by the one citizen's id
    (an index) instead of collecting every citizen the user's teams may see, which
    costs time in proportion to the team's caseload."""
    permission = Q(
        permission__codename="view_citizen",
        permission__content_type__app_label="casework",
        permission__content_type__model="citizen",
    )
    by_group = CitizenGroupObjectPermission.objects.filter(
        permission, content_object_id=OuterRef("pk"), group__user=user
    )
    by_user = CitizenUserObjectPermission.objects.filter(
        permission, content_object_id=OuterRef("pk"), user=user
    )
    return Exists(by_group.union(by_user, all=True))


def citizen_team_access_grant(*, citizen: Citizen, team: Team) -> None:
    assign_perm(VIEW_CITIZEN, team.group, citizen)


def citizen_team_access_revoke(*, citizen: Citizen, team: Team) -> None:
    remove_perm(VIEW_CITIZEN, team.group, citizen)


def citizen_team_access_bulk_grant(*, pairs: Iterable[tuple[str, int]]) -> int:
    """Grants teams (by group id) access to citizens (by id) in bulk, for imports and
    demo data; the same rows guardian's ``assign_perm`` writes."""
    permission = Permission.objects.get(content_type__app_label="casework", codename="view_citizen")
    rows = [
        CitizenGroupObjectPermission(
            permission=permission, group_id=group_id, content_object_id=citizen_id
        )
        for citizen_id, group_id in pairs
    ]
    CitizenGroupObjectPermission.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
