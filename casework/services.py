"""Every change in casework goes through here: one function, one transaction, one audit
event. Reads that must leave a trace (a lookup) go through here too, so the event and
the read commit together: no event, no data."""

import datetime
from typing import Any

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from casework.cpr import Cpr, cpr_encrypt, cpr_hash, cpr_parse
from casework.models import AssessmentSnapshot, Citizen, Spell
from casework.permissions import citizen_team_access_grant
from casework.selectors import CitizenPage, citizen_page_for_user, citizen_search_for_user
from jobcenter.models import Jobcenter, Team, User
from prediction.models import FeatureSpec


class SnapshotInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))


@transaction.atomic
def citizen_create(
    *,
    jobcenter: Jobcenter,
    cpr: str | Cpr,
    name: str,
    postal_code: str = "",
    citizenship: str = "",
    actor: User | None = None,
) -> Citizen:
    parsed = cpr if isinstance(cpr, Cpr) else cpr_parse(cpr)
    citizen = Citizen.objects.create(
        jobcenter=jobcenter,
        cpr_encrypted=cpr_encrypt(parsed),
        cpr_hash=cpr_hash(parsed),
        name=name,
        birth_date=parsed.birth_date,
        gender=parsed.gender,
        postal_code=postal_code,
        citizenship=citizenship,
    )
    audit_record(
        action=AuditAction.CITIZEN_CREATE,
        user=actor,
        jobcenter_id=jobcenter.pk,
        citizen_id=citizen.pk,
        object_type="citizen",
        object_id=str(citizen.pk),
    )
    return citizen


@transaction.atomic
def spell_open(
    *,
    citizen: Citizen,
    team: Team,
    caseworker: User | None,
    benefit_type: str,
    start_date: datetime.date,
    external_id: str,
    actor: User | None = None,
) -> Spell:
    """Opens a spell in a team; the team (and so the caseworker) may now see the citizen."""
    spell = Spell.objects.create(
        jobcenter=citizen.jobcenter,
        citizen=citizen,
        team=team,
        caseworker=caseworker,
        benefit_type=benefit_type,
        start_date=start_date,
        external_id=external_id,
    )
    citizen_team_access_grant(citizen=citizen, team=team)
    audit_record(
        action=AuditAction.PERMISSION_CHANGE,
        user=actor,
        jobcenter_id=citizen.jobcenter_id,
        citizen_id=citizen.pk,
        object_type="spell",
        object_id=str(spell.pk),
        details={"granted": "view_citizen", "team": team.name},
    )
    return spell


def snapshot_values_clean(
    *, specification: FeatureSpec, values: dict[str, Any], default_date: datetime.date
) -> dict[str, dict]:
    """Checks raw values against the specification. Each value may be bare or
    ``{"value": ..., "source": ..., "date": ...}``. Returns the stored form, or raises
    ``SnapshotInvalid`` with a reason per feature; unknown features are errors too."""
    spec = specification.specification
    errors: dict[str, str] = {}
    cleaned: dict[str, dict] = {}
    known = {feature.name for feature in spec.features}
    for name in sorted(set(values) - known):
        errors[name] = "not in the specification"
    for feature in spec.features:
        raw = values.get(feature.name)
        entry = raw if isinstance(raw, dict) else {"value": raw}
        try:
            value = feature.parse_value(entry.get("value"))
        except ValueError as exc:
            errors[feature.name] = str(exc)
            continue
        cleaned[feature.name] = {
            "value": value,
            "source": str(entry.get("source") or ""),
            "date": str(entry.get("date") or default_date.isoformat()),
        }
    if errors:
        raise SnapshotInvalid(errors)
    return cleaned


@transaction.atomic
def snapshot_create(
    *,
    spell: Spell,
    specification: FeatureSpec,
    as_of: datetime.date,
    values: dict[str, Any],
    actor: User | None = None,
) -> AssessmentSnapshot:
    cleaned = snapshot_values_clean(specification=specification, values=values, default_date=as_of)
    return AssessmentSnapshot.objects.create(
        spell=spell, specification=specification, as_of=as_of, values=cleaned, created_by=actor
    )


@transaction.atomic
def citizen_view(*, user: User, citizen_id) -> CitizenPage:
    """The citizen page's data, with the lookup recorded in the same transaction.
    Raises ``Citizen.DoesNotExist`` when the user may not see the citizen."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    audit_record(
        action=AuditAction.CITIZEN_VIEW,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="citizen",
        object_id=str(page.citizen.pk),
    )
    return page


@transaction.atomic
def citizen_search(*, user: User, query: str) -> list[Citizen]:
    """Finds citizens by exact CPR number (through the keyed hash) or by part of the
    name, within what the user may see. The event records the kind of search and the
    number of hits, never the number searched for."""
    query = (query or "").strip()
    try:
        parsed = cpr_parse(query)
    except ValueError:
        parsed = None
    if parsed is not None:
        kind = "cpr"
        results = list(citizen_search_for_user(user=user, cpr_hash=cpr_hash(parsed)))
    else:
        kind = "name"
        results = list(citizen_search_for_user(user=user, name=query)) if query else []
    audit_record(
        action=AuditAction.CITIZEN_SEARCH,
        user=user,
        details={"kind": kind, "hits": len(results)},
    )
    return results


@transaction.atomic
def caseload_view_record(*, user: User, scope: str, shown: int) -> None:
    audit_record(
        action=AuditAction.CASELOAD_VIEW, user=user, details={"scope": scope, "shown": shown}
    )
