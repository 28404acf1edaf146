"""Writes that belong to the organisation: jobcenters, teams, staff and their roles."""

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from jobcenter.logging import mask_cpr_in_text
from jobcenter.models import Jobcenter, Role, Team, User
from jobcenter.request_context import current_request_context

# Set while a service changes group memberships and records the change itself, so the
# m2m_changed listener (jobcenter/signals.py) does not record it a second time.
_groups_change_recorded_by_caller: ContextVar[bool] = ContextVar(
    "groups_change_recorded_by_caller", default=False
)


@contextmanager
def groups_change_recorded_by_caller() -> Iterator[None]:
    token = _groups_change_recorded_by_caller.set(True)
    try:
        yield
    finally:
        _groups_change_recorded_by_caller.reset(token)


def heartbeat_record(*, note: str = "") -> dict:
    """A worker's sign of life: answers with where it ran and what the database said."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {
        "host": socket.gethostname(),
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "ok": one == 1,
        "at": timezone.now().isoformat(),
        "note": note,
    }


def roles_ensure() -> dict[str, Group]:
    """The role groups exist (idempotent)."""
    return {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic
def team_create(*, jobcenter: Jobcenter, name: str, actor: User | None = None) -> Team:
    group = Group.objects.create(name=f"team:{jobcenter.pk}:{name}")
    team = Team.objects.create(jobcenter=jobcenter, name=name, group=group)
    audit_record(
        action="team.create",
        user=actor,
        jobcenter_id=jobcenter.pk,
        object_type="team",
        object_id=str(team.pk),
        details={"name": name},
    )
    return team


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: Role,
    jobcenter: Jobcenter | None,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    """Creates a member of staff with one role; roles are groups, audited on change."""
    groups = roles_ensure()
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        jobcenter=jobcenter,
        team=team,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    with groups_change_recorded_by_caller():  # recorded below, once
        user.groups.add(groups[role.value])
        if team is not None:
            # Team membership is group membership: the team's group holds the object
            # permissions on the citizens the team works with.
            user.groups.add(team.group)
    audit_record(
        action="user.role_change",
        user=actor,
        jobcenter_id=jobcenter.pk if jobcenter else None,
        object_type="user",
        object_id=str(user.pk),
        details={"username": username, "role": role.value, "team": team.name if team else None},
    )
    return user


def user_groups_change_record(
    *, user: User, added: Iterable[Group] = (), removed: Iterable[Group] = ()
) -> None:
    """Records a change of a user's groups (role or team membership) made anywhere,
    e.g. in the admin: one ROLE_CHANGE event, in the caller's transaction, with the
    request's user as the actor when there is one. Called by the m2m_changed listener
    in jobcenter/signals.py; a service that records its own event wraps its changes in
    ``groups_change_recorded_by_caller()``."""
    if _groups_change_recorded_by_caller.get():
        return
    added_names = sorted(group.name for group in added)
    removed_names = sorted(group.name for group in removed)
    if not added_names and not removed_names:
        return
    user.__dict__.pop("_role_cache", None)
    context = current_request_context()
    actor = context.user if context is not None else None
    audit_record(
        action=AuditAction.ROLE_CHANGE,
        user=actor if getattr(actor, "is_authenticated", False) else None,
        jobcenter_id=user.jobcenter_id,
        object_type="user",
        object_id=str(user.pk),
        details={
            "username": user.get_username(),
            "groups_added": added_names,
            "groups_removed": removed_names,
            "role": user.role,
        },
    )


@transaction.atomic
def auth_login_record(*, user: User) -> None:
    audit_record(action="auth.login", user=user)


@transaction.atomic
def auth_logout_record(*, user: User) -> None:
    audit_record(action="auth.logout", user=user)


@transaction.atomic
def auth_login_failed_record(*, username: str) -> None:
    """A failed login, kept with the name tried (cut short; never a password). A name
    with a NUL or other control character is no user's (PostgreSQL cannot even compare
    it) and is kept without those characters; a CPR number typed as the name is kept
    masked, since the log cannot be changed afterwards."""
    tried = "".join(ch for ch in username[:150] if ch.isprintable())
    known = (
        User.objects.filter(username=tried).first() if tried and tried == username[:150] else None
    )
    audit_record(
        action="auth.login_failed",
        user=None,
        jobcenter_id=known.jobcenter_id if known else None,
        flags=["failed_login"],
        details={"username_tried": mask_cpr_in_text(tried), "known_user": known is not None},
    )
