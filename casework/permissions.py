"""Who may see which citizen. The only module that calls django-guardian.

A team's group holds ``view_citizen`` on every citizen with an open spell in the team;
so the assigned caseworker and their colleagues see the citizen, and nobody else does,
except a caseworker with an unexpired "break the glass" access to that one citizen.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework.models import (
    BreakGlassAccess,
    Citizen,
    CitizenGroupObjectPermission,
    CitizenUserObjectPermission,
)
from jobcenter.compiled_reads import CompiledRead, StandIn
from jobcenter.models import Role, Team, User

VIEW_CITIZEN = "casework.view_citizen"


def citizens_visible_to(*, user: User, queryset: QuerySet[Citizen] | None = None) -> QuerySet:
    """The citizens ``user`` may see, always within the user's own jobcenter."""
    if not user.is_authenticated or not user.is_active or user.jobcenter_id is None:
        return Citizen.objects.none()
    base = queryset if queryset is not None else Citizen.objects.all()
    return base.filter(
        citizen_visible(user=user, citizen=OuterRef("pk")), jobcenter_id=user.jobcenter_id
    )


def citizen_visible(*, user: User, citizen) -> Q:
    """Whether ``user`` holds ``view_citizen`` on ``citizen`` (an ``OuterRef`` to a
    citizen id: ``OuterRef("citizen_id")`` in a query of spells), through one of their
    groups (a team) or directly: the rows guardian's ``get_objects_for_user`` reads, with
    no global permissions and no superuser shortcut.

    Asked of each row by its citizen's id, not as guardian asks it (``citizen IN`` the
    set of every citizen the user's teams may see): the planner then starts from the
    rows the query is about (a caseworker's own spells, by an index) and either probes
    the permission index for each or, for a long caseload, hashes the team's permission
    rows once. Guardian's form made it scan and hash every citizen of the jobcenter: at
    1,000,000 citizens the caseload took about 450 ms a query, twice a page, against
    25-45 ms now."""
    # A scalar subquery of no outer row: PostgreSQL works it out once per query.
    permission = Subquery(
        Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Citizen), codename="view_citizen"
        )
        .order_by()
        .values("pk")[:1]
    )
    teams = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    by_team = CitizenGroupObjectPermission.objects.filter(
        content_object_id=citizen, permission_id=permission, group_id__in=teams
    )
    by_user = CitizenUserObjectPermission.objects.filter(
        content_object_id=citizen, permission_id=permission, user_id=user.pk
    )
    return Q(Exists(by_team)) | Q(Exists(by_user))


class Access:
    TEAM = "team"
    BREAK_GLASS = "break_glass"
    SERVICE = "service"  # the case system's service account: its own jobcenter's citizens


def citizen_with_access(*, user: User, citizen_id) -> tuple[Citizen, str]:
    """The citizen (with the jobcenter) and how ``user`` may see them (``Access.TEAM``
    or, for a caseworker with an unexpired break-the-glass access, ``Access.BREAK_GLASS``;
    the jobcenter's service account, ``Access.SERVICE``), in one query.
    Raises ``Citizen.DoesNotExist`` otherwise, so forbidden and unknown look alike."""
    if not user.is_authenticated or not user.is_active or user.jobcenter_id is None:
        raise Citizen.DoesNotExist
    found = CITIZEN_WITH_ACCESS.read(
        citizen=Citizen._meta.pk.to_python(citizen_id),
        user=user.pk,
        jobcenter=user.jobcenter_id,
        now=timezone.now(),
        content_type=ContentType.objects.get_for_model(Citizen).pk,
    )
    if not found:
        raise Citizen.DoesNotExist
    citizen = found[0]
    if citizen.via_team:
        return citizen, Access.TEAM
    if user.has_role(Role.SERVICE):
        # The case system holds every citizen of its jobcenter; it reads through the
        # API only (a session of a service account is refused: jobcenter.middleware).
        return citizen, Access.SERVICE
    if citizen.via_break_glass and user.has_role(Role.CASEWORKER):
        return citizen, Access.BREAK_GLASS
    raise Citizen.DoesNotExist


def _citizen_with_access_query(*, citizen, user, jobcenter, now, content_type) -> QuerySet:
    via_team, via_break_glass = _access_expressions(
        user_id=user, citizen_id=citizen, now=now, content_type_id=content_type
    )
    return (
        Citizen.objects.select_related("jobcenter")
        .filter(pk=citizen, jobcenter_id=jobcenter)
        .annotate(via_team=via_team, via_break_glass=via_break_glass)
    )


# Compiled once per connection: it runs on every citizen page, letter and API read.
CITIZEN_WITH_ACCESS = CompiledRead(
    _citizen_with_access_query,
    citizen=StandIn.uuid(1),
    user=StandIn.integer(1),
    jobcenter=StandIn.integer(2),
    now=StandIn.moment(1),
    content_type=StandIn.integer(3),
)


def _access_expressions(
    *, user_id: int, citizen_id, now, content_type_id: int
) -> tuple[RawSQL, RawSQL]:
    """Whether the user holds ``view_citizen`` on the citizen, through one of their
    groups (a team) or directly, and whether they hold an unexpired break-the-glass
    access to them. The first reads the rows ``get_objects_for_user`` reads (no global
    permissions, no superuser shortcut), but by the one citizen's id (an index) instead
    of collecting every citizen the user's teams may see, which costs time in
    proportion to the team's caseload.

    Written as SQL because it runs on every citizen page: built with the ORM (two
    correlated ``Exists`` of a union with joins) it took about 2 ms of Python per
    request to compile, many times what the database needs to answer it; and each
    test here names the citizen by its id, not by the outer row, so that the planner
    answers it once through the indexes whatever it guesses of the tables' sizes. The
    tables come from the models' metadata; every value is a parameter."""
    tables = {
        "by_group": CitizenGroupObjectPermission._meta.db_table,
        "by_user": CitizenUserObjectPermission._meta.db_table,
        "permission": Permission._meta.db_table,
        "memberships": User.groups.through._meta.db_table,
        "break_glass": BreakGlassAccess._meta.db_table,
    }
    granted = (
        'EXISTS (SELECT 1 FROM "{by_group}" g'
        ' WHERE g."content_object_id" = %s AND g."permission_id" = ({permission_id})'
        ' AND g."group_id" IN (SELECT m."group_id" FROM "{memberships}" m'
        ' WHERE m."user_id" = %s))'
        ' OR EXISTS (SELECT 1 FROM "{by_user}" u'
        ' WHERE u."content_object_id" = %s AND u."permission_id" = ({permission_id})'
        ' AND u."user_id" = %s)'
    )
    permission_id = (
        'SELECT p."id" FROM "{permission}" p WHERE p."content_type_id" = %s AND p."codename" = %s'
    )
    glass = (
        'EXISTS (SELECT 1 FROM "{break_glass}" b WHERE b."citizen_id" = %s'
        ' AND b."user_id" = %s AND b."starts_at" <= %s AND b."expires_at" > %s)'
    )
    citizen = Citizen._meta.pk.get_db_prep_value(citizen_id, connection)
    permission = (content_type_id, "view_citizen")
    at = connection.ops.adapt_datetimefield_value(now)
    # Table names from the models' metadata, values as parameters: no injection here.
    return (
        RawSQL(  # noqa: S611
            granted.format(permission_id=permission_id.format(**tables), **tables),
            (citizen, *permission, user_id, citizen, *permission, user_id),
            output_field=BooleanField(),
        ),
        RawSQL(  # noqa: S611
            glass.format(**tables), (citizen, user_id, at, at), output_field=BooleanField()
        ),
    )


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
