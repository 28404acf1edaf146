"""Writes that belong to the organisation: jobcenters, teams, staff and their roles."""

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.actions import AuditAction
from audit.services import audit_record
from jobcenter.logging import mask_cpr_in_text
from jobcenter.models import GrantRequest, Jobcenter, Role, Team, User
from jobcenter.request_context import current_request_context
from jobcenter.security import keyed_username
from jobcenter.two_factor import RECOVERY_DEVICE_NAME, TOTP_DEVICE_NAME

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
    """The role groups exist, the administrators' with its model permissions (idempotent)."""
    groups = {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    administrator_permissions_ensure(groups[Role.ADMINISTRATOR.value])
    return groups


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
        # Administrators use the admin with the model permissions of their role group,
        # never as superusers (who would hold every object permission on citizens).
        is_staff=role == Role.ADMINISTRATOR,
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


# -- The second factor (django-otp) and the login lockout (django-axes) ----------------


@transaction.atomic
def authenticator_enrolment_start(*, user: User):
    """An authenticator key for ``user`` to scan, not yet in use: it counts only once a
    code from it has been typed (``authenticator_enrolment_confirm``). Starting again
    replaces a key that was never confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def authenticator_enrolment_confirm(*, request, device, token: str) -> list[str] | None:
    """Confirms the new authenticator with a code from it. On success the user's earlier
    authenticators go, ten fresh recovery codes replace any old ones (returned, to be
    shown once), the session counts as verified, and the enrolment is an event. A wrong
    code changes nothing and returns None."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(token.replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(device.user)
    otp_login(request, device)
    audit_record(
        action=AuditAction.OTP_ENROL,
        user=device.user,
        object_type="user",
        object_id=str(device.user.pk),
        details={"device": "totp", "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    codes = _recovery_codes_replace(user)
    audit_record(
        action=AuditAction.OTP_ENROL,
        user=user,
        object_type="user",
        object_id=str(user.pk),
        details={"device": "recovery_codes", "recovery_codes": len(codes)},
    )
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def second_factor_verify(*, request, user: User, token: str) -> bool:
    """The code typed after the password: from the authenticator, or a recovery code
    (used up). Either way it is an event; a wrong one too. django-otp slows repeated
    wrong codes down on its own (each device's throttle)."""
    device = match_token(user, token.replace(" ", "").strip())
    if device is None:
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            user=None,
            jobcenter_id=user.jobcenter_id,
            flags=["failed_login"],
            details={"username_tried": user.get_username(), "step": "second_factor"},
        )
        return False
    otp_login(request, device)
    recovery = isinstance(device, StaticDevice)
    audit_record(
        action=AuditAction.RECOVERY_CODE_USED if recovery else AuditAction.LOGIN,
        user=user,
        details={"step": "second_factor", "device": "recovery_code" if recovery else "totp"},
    )
    return True


@transaction.atomic
def second_factor_reset(*, user: User, actor: User) -> int:
    """An administrator takes away a user's authenticator and recovery codes (a lost
    phone): at the next login the user sets up a new one. Audited."""
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    audit_record(
        action=AuditAction.OTP_RESET,
        user=actor,
        jobcenter_id=user.jobcenter_id,
        object_type="user",
        object_id=str(user.pk),
        details={"username": user.get_username(), "devices_removed": len(devices)},
    )
    return len(devices)


@transaction.atomic
def login_lockout_record(*, username: str) -> None:
    """django-axes locked a name out after repeated failures (or refused it while
    locked): an event, with the name masked as a failed login's is."""
    tried = "".join(ch for ch in username[:150] if ch.isprintable())
    known = User.objects.filter(username=tried).first() if tried else None
    audit_record(
        action=AuditAction.LOGIN_LOCKOUT,
        user=None,
        jobcenter_id=known.jobcenter_id if known else None,
        flags=["failed_login"],
        details={"username_tried": mask_cpr_in_text(tried), "known_user": known is not None},
    )


@transaction.atomic
def login_unlock(*, user: User, actor: User) -> int:
    """An administrator lifts a lockout before it runs out. Audited."""
    removed = axes_reset(username=keyed_username(user.get_username()))
    audit_record(
        action=AuditAction.LOGIN_UNLOCK,
        user=actor,
        jobcenter_id=user.jobcenter_id,
        object_type="user",
        object_id=str(user.pk),
        details={"username": user.get_username(), "attempts_removed": removed},
    )
    return removed


# -- The Django admin -------------------------------------------------------------------

# What an administrator may do in the admin: the organisation's tables, nothing else.
ADMINISTRATOR_PERMISSIONS = (
    "jobcenter.view_jobcenter",
    "jobcenter.change_jobcenter",
    "jobcenter.view_team",
    "jobcenter.add_team",
    "jobcenter.change_team",
    "jobcenter.view_user",
    "jobcenter.add_user",
    "jobcenter.change_user",
    "prediction.view_featurespec",
    # Service accounts' keys: issued and revoked in the admin, through
    # jobcenter.service_accounts (audited), never edited.
    "jobcenter.view_serviceaccountkey",
    "jobcenter.add_serviceaccountkey",
    "jobcenter.change_serviceaccountkey",
)


def administrator_permissions_ensure(group: Group) -> None:
    """The administrator role's model permissions (idempotent)."""
    wanted = [name.split(".", 1) for name in ADMINISTRATOR_PERMISSIONS]
    permissions = [
        permission
        for permission in Permission.objects.filter(
            codename__in=[codename for _app, codename in wanted]
        ).select_related("content_type")
        if [permission.content_type.app_label, permission.codename] in wanted
    ]
    group.permissions.add(*permissions)


def admin_change_record(*, entry) -> None:
    """One admin change (Django's LogEntry, same transaction) as an audit event."""
    kinds = {1: "add", 2: "change", 3: "delete"}
    user = User.objects.filter(pk=entry.user_id).first()
    audit_record(
        action=AuditAction.ADMIN_CHANGE,
        user=user,
        object_type=f"{entry.content_type.app_label}.{entry.content_type.model}"
        if entry.content_type_id
        else "",
        object_id=str(entry.object_id or "")[:64],
        details={
            "kind": kinds.get(entry.action_flag, str(entry.action_flag)),
            "object": mask_cpr_in_text(entry.object_repr[:200]),
            "change": mask_cpr_in_text(entry.get_change_message()[:1000]),
        },
    )


# -- Four eyes on the grants that open citizens' data or the log ------------------------

# Roles whose grant needs a second person: the DPO reads the whole log and every
# citizen's access report.
FOUR_EYES_ROLES = frozenset({Role.DPO.value})


class GrantRefused(Exception):
    """The grant cannot be asked for or decided like that; the message says why."""


def role_grant_needs_second_person(role: str) -> bool:
    return role in FOUR_EYES_ROLES


@transaction.atomic
def role_set(*, user: User, role: Role | str, actor: User | None) -> None:
    """Gives ``user`` exactly one role, at once (the roles that need a second person
    go through ``grant_request``). Audited as one ROLE_CHANGE by the groups listener."""
    groups = roles_ensure()
    role = Role(role)
    current = [g for g in user.groups.all() if g.name in {r.value for r in Role}]
    user.groups.remove(*[g for g in current if g.name != role.value])
    user.groups.add(groups[role.value])
    user.is_staff = role == Role.ADMINISTRATOR
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_cache", None)


@transaction.atomic
def team_leave(*, user: User, actor: User | None) -> None:
    """Takes away the user's team (and with it the access to its citizens), at once."""
    if user.team_id is None:
        return
    user.groups.remove(user.team.group)
    user.team = None
    user.save(update_fields=["team"])


def _team_join(user: User, team: Team) -> None:
    if user.team_id and user.team_id != team.pk:
        user.groups.remove(user.team.group)
    user.groups.add(team.group)
    user.team = team
    user.save(update_fields=["team"])


@transaction.atomic
def grant_request(
    *, user: User, actor: User, role: str = "", team: Team | None = None
) -> GrantRequest:
    """An administrator asks for the DPO role or a team for ``user``: nothing changes
    until a second person confirms (``grant_decide``). Audited."""
    if bool(role) == (team is not None):
        raise ValueError("a grant names either a role or a team")
    if user.jobcenter_id != actor.jobcenter_id or (
        team is not None and team.jobcenter_id != user.jobcenter_id
    ):
        raise GrantRefused(_("Kun medarbejdere og teams i dit eget jobcenter."))
    kind = GrantRequest.Kind.ROLE if role else GrantRequest.Kind.TEAM
    existing = GrantRequest.objects.filter(
        user=user, kind=kind, role=role, team=team, state=GrantRequest.State.PENDING
    ).first()
    if existing is not None:
        return existing  # asked for already: the same request waits
    grant = GrantRequest.objects.create(
        jobcenter_id=user.jobcenter_id,
        user=user,
        kind=kind,
        role=role,
        team=team,
        requested_by=actor,
    )
    audit_record(
        action=AuditAction.ROLE_GRANT_REQUEST,
        user=actor,
        jobcenter_id=user.jobcenter_id,
        object_type="user",
        object_id=str(user.pk),
        details={
            "grant": grant.pk,
            "kind": kind,
            "role": role,
            "team": team.name if team else None,
        },
    )
    return grant


@transaction.atomic
def grant_decide(*, grant: GrantRequest, actor: User, confirm: bool, note: str = "") -> None:
    """A second person confirms (the grant takes effect) or rejects it. That person is
    another administrator or the DPO of the same jobcenter, neither the one who asked
    nor the one who would get it. Audited."""
    grant = GrantRequest.objects.select_for_update().get(pk=grant.pk)
    if grant.state != GrantRequest.State.PENDING:
        raise GrantRefused(_("Tildelingen er allerede afgjort."))
    same_jobcenter = actor.jobcenter_id == grant.jobcenter_id
    if not (actor.has_role(Role.ADMINISTRATOR, Role.DPO) and same_jobcenter):
        raise GrantRefused(
            _("Kun en anden administrator eller DPO'en i jobcentret kan afgøre den.")
        )
    if actor.pk in {grant.requested_by_id, grant.user_id}:
        raise GrantRefused(
            _(
                "Den, der bad om tildelingen, eller den, der skal have den, kan ikke selv "
                "bekræfte den."
            )
        )
    grant.state = GrantRequest.State.CONFIRMED if confirm else GrantRequest.State.REJECTED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.note = note
    grant.save(update_fields=["state", "decided_by", "decided_at", "note"])
    if confirm:
        with groups_change_recorded_by_caller():  # the confirmation below is the record
            if grant.kind == GrantRequest.Kind.ROLE:
                role_set(user=grant.user, role=grant.role, actor=actor)
            else:
                _team_join(grant.user, grant.team)
    audit_record(
        action=AuditAction.ROLE_GRANT_CONFIRM if confirm else AuditAction.ROLE_GRANT_REJECT,
        user=actor,
        jobcenter_id=grant.jobcenter_id,
        object_type="user",
        object_id=str(grant.user_id),
        reason=note,
        details={
            "grant": grant.pk,
            "kind": grant.kind,
            "role": grant.role,
            "team": grant.team.name if grant.team_id else None,
            "requested_by": grant.requested_by.get_username(),
        },
    )


@transaction.atomic
def passkey_registration_record(*, user: User) -> None:
    """A passkey was added as a second factor (django-otp-webauthn saved it)."""
    audit_record(
        action=AuditAction.OTP_ENROL,
        user=user,
        object_type="user",
        object_id=str(user.pk),
        details={"device": "webauthn"},
    )


@transaction.atomic
def passkey_login_record(*, user: User) -> None:
    """The login's second step, done with a passkey."""
    audit_record(
        action=AuditAction.LOGIN,
        user=user,
        details={"step": "second_factor", "device": "webauthn"},
    )
