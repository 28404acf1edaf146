"""The demo's logins and its synthetic caseworkers.

Six people can log in, all with ``settings.DEMO_PASSWORD``: two caseworkers in
different teams (so a test or a visitor can see that one does not see the other's
citizens), a manager, a DPO, an analyst and an administrator. The many other
caseworkers exist only so that every open spell has a caseworker with a realistic
caseload; they have unusable passwords and cannot log in.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from jobcenter.models import Jobcenter, Role, Team, User
from jobcenter.services import staff_create


class DemoDataRefused(Exception):
    """The demo data may not be written here (production, or already there)."""


def demo_allowed_check() -> None:
    """Demo data and well-known passwords never go near a production database."""
    if settings.PRODUCTION:
        raise DemoDataRefused(
            "Refusing to write demo data under production settings (DJANGO_ENV=production): "
            "fictional citizens and well-known passwords do not belong in a real jobcenter."
        )


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    team: str | None  # the team's name in the demo jobcenter
    first_name: str
    last_name: str


DEMO_LOGINS = (
    DemoLogin("caseworker", Role.CASEWORKER, "Dagpenge", "Camilla", "Holm"),
    DemoLogin("caseworker2", Role.CASEWORKER, "Aktivitetsparat", "Jesper", "Lund"),
    DemoLogin("manager", Role.MANAGER, None, "Birgitte", "Dahl"),
    DemoLogin("dpo", Role.DPO, None, "Morten", "Krogh"),
    DemoLogin("analyst", Role.ANALYST, None, "Signe", "Vestergaard"),
    DemoLogin("admin", Role.ADMINISTRATOR, None, "Ida", "Winther"),
)


def demo_logins_clashing() -> list[str]:
    """Demo usernames already taken (in any jobcenter): creating them would fail."""
    usernames = [login.username for login in DEMO_LOGINS]
    return sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))


def demo_logins_create(*, jobcenter: Jobcenter, teams: dict[str, Team]) -> dict[str, User]:
    """Creates the six demo logins through ``staff_create`` (each one audited)."""
    return {
        login.username: staff_create(
            username=login.username,
            password=settings.DEMO_PASSWORD,
            role=login.role,
            jobcenter=jobcenter,
            team=teams[login.team] if login.team else None,
            first_name=login.first_name,
            last_name=login.last_name,
        )
        for login in DEMO_LOGINS
    }


@transaction.atomic
def demo_logins_ensure(*, jobcenter: Jobcenter) -> list[str]:
    """The demo logins exist, are active and have ``DEMO_PASSWORD``; returns what was
    changed, one line each. A missing login is created (and audited by
    ``staff_create``); a changed password or a deactivated login is put back and audited.
    Idempotent: a second call changes nothing."""
    demo_allowed_check()
    changes = []
    teams = {team.name: team for team in Team.objects.filter(jobcenter=jobcenter)}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            staff_create(
                username=login.username,
                password=settings.DEMO_PASSWORD,
                role=login.role,
                jobcenter=jobcenter,
                team=teams.get(login.team) if login.team else None,
                first_name=login.first_name,
                last_name=login.last_name,
            )
            changes.append(f"{login.username}: created")
            continue
        fixed = []
        if not user.is_active:
            user.is_active = True
            fixed.append("reactivated")
        if not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            fixed.append("password reset to DEMO_PASSWORD")
        if user.is_superuser:
            user.is_superuser = False  # administrators work with their role's permissions
            fixed.append("no longer a superuser")
        if fixed:
            user.save(update_fields=["is_active", "password", "is_superuser"])
            # No dedicated action exists for a credential change; this is the closest.
            audit_record(
                action=AuditAction.ROLE_CHANGE,
                jobcenter_id=user.jobcenter_id,
                object_type="user",
                object_id=str(user.pk),
                details={"username": user.username, "demo_setup": fixed},
            )
            changes.append(f"{login.username}: {', '.join(fixed)}")
    return changes


def caseworker_usernames(team_name: str, count: int) -> list[str]:
    slug = team_name.lower().replace("å", "aa").replace("ø", "oe").replace("æ", "ae")
    return [f"sb.{slug}.{number:02d}" for number in range(1, count + 1)]
