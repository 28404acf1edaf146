"""Service accounts: the case system's integration logs in with an API key only.

A service account is a User in the ``service`` group, bound to one jobcenter, never a
person, with no usable password (so no session login: ``jobcenter.middleware``
refuses one anyway). Its keys (``ServiceAccountKey``) are stored only as a hash, shown
once when issued, expire, and are revoked by an administrator of the same jobcenter.
Each step is one transaction with its audit event (a new account records the account
and its first key)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import audit_record
from jobcenter.models import Jobcenter, Role, ServiceAccountKey, User
from jobcenter.services import groups_change_recorded_by_caller, roles_ensure


class ServiceAccountRefused(Exception):
    """``message`` is for the person who asked (Danish msgid, translated)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued: ``key`` is the only time the secret exists in clear."""

    record: ServiceAccountKey
    key: str


def _expiry(days: int) -> datetime.datetime:
    if not 1 <= days <= settings.SERVICE_ACCOUNT_KEY_MAX_DAYS:
        raise ServiceAccountRefused(
            _("En API-nøgle gælder mellem 1 og %(max)s dage.")
            % {"max": settings.SERVICE_ACCOUNT_KEY_MAX_DAYS}
        )
    return timezone.now() + datetime.timedelta(days=days)


def _same_jobcenter(actor: User | None, jobcenter_id: int | None) -> None:
    if actor is None:
        return  # an operator's command
    if not actor.has_role(Role.ADMINISTRATOR) or actor.jobcenter_id != jobcenter_id:
        raise ServiceAccountRefused(
            _("Kun en administrator i samme jobcenter kan ændre tjenestekontoens nøgler.")
        )


@transaction.atomic
def service_account_create(
    *, jobcenter: Jobcenter, name: str, days: int, actor: User | None = None
) -> IssuedKey:
    """A new service account for ``jobcenter`` with its first key (``days`` valid)."""
    _same_jobcenter(actor, jobcenter.pk)
    expires = _expiry(days)
    username = f"service-{jobcenter.municipality_code}-{name}"[:150]
    if User.objects.filter(username=username).exists():
        raise ServiceAccountRefused(
            _("Der findes allerede en tjenestekonto med det navn. Giv den en ny nøgle i stedet.")
        )
    user = User(username=username, jobcenter=jobcenter, first_name=name[:150], is_staff=False)
    user.set_unusable_password()
    user.save()
    with groups_change_recorded_by_caller():  # recorded below, once
        user.groups.add(roles_ensure()[Role.SERVICE.value])
    audit_record(
        action=AuditAction.SERVICE_ACCOUNT_CREATE,
        user=actor,
        jobcenter_id=jobcenter.pk,
        object_type="user",
        object_id=str(user.pk),
        details={"username": username, "role": Role.SERVICE.value},
    )
    return _key_issue(user=user, name=name, expires=expires, actor=actor)


@transaction.atomic
def service_account_key_create(
    *, user: User, name: str, days: int, actor: User | None = None
) -> IssuedKey:
    """A further key for an existing service account (to rotate: issue, switch the
    case system over, revoke the old one)."""
    if user.role != Role.SERVICE.value or user.jobcenter_id is None or user.has_usable_password():
        raise ServiceAccountRefused(_("Kun en tjenestekonto kan have API-nøgler."))
    _same_jobcenter(actor, user.jobcenter_id)
    return _key_issue(user=user, name=name, expires=_expiry(days), actor=actor)


def _key_issue(*, user: User, name: str, expires: datetime.datetime, actor) -> IssuedKey:
    record, key = ServiceAccountKey.objects.create_key(
        user=user, name=name[:50], expiry_date=expires
    )
    audit_record(
        action=AuditAction.SERVICE_KEY_CREATE,
        user=actor,
        jobcenter_id=user.jobcenter_id,
        object_type="service_account_key",
        object_id=record.prefix,
        details={
            "service_account": user.get_username(),
            "prefix": record.prefix,
            "expires": expires.isoformat(),
        },
    )
    return IssuedKey(record=record, key=key)


@transaction.atomic
def service_account_key_revoke(*, key: ServiceAccountKey, actor: User | None) -> ServiceAccountKey:
    """Revokes a key at once (the next call with it gets a 401); it cannot be undone."""
    key = ServiceAccountKey.objects.select_for_update().select_related("user").get(pk=key.pk)
    _same_jobcenter(actor, key.user.jobcenter_id)
    if key.revoked:
        return key
    key.revoked = True
    key.save(update_fields=["revoked"])
    audit_record(
        action=AuditAction.SERVICE_KEY_REVOKE,
        user=actor,
        jobcenter_id=key.user.jobcenter_id,
        object_type="service_account_key",
        object_id=key.prefix,
        details={"service_account": key.user.get_username(), "prefix": key.prefix},
    )
    return key
