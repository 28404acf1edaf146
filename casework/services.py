"""Every change in casework goes through here: one function, one transaction, one audit
event. Reads that must leave a trace (a lookup) go through here too, so the event and
the read commit together: no event, no data."""

import datetime
import logging
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import AuditUnavailable, audit_record
from casework.cpr import Cpr, cpr_encrypt, cpr_hash, cpr_hashes, cpr_keyset_id, cpr_parse
from casework.display import inputs_hash
from casework.models import (
    AssessmentSnapshot,
    BreakGlassAccess,
    Citizen,
    Estimate,
    Objection,
    Spell,
)
from casework.permissions import Access, citizen_team_access_grant
from casework.selectors import (
    CitizenPage,
    EstimatePanel,
    PanelState,
    citizen_by_cpr_hash,
    citizen_in_jobcenter,
    citizen_page_for_user,
    citizen_search_for_user,
    estimate_panel,
)
from jobcenter.models import Jobcenter, Role, Team, User
from prediction.models import FeatureSpec
from prediction.selectors import Assessment

logger = logging.getLogger(__name__)


class ActionRefused(Exception):
    """An action the user may not take in the current state; ``message`` is for the user."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


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
    street_address: str = "",
    citizenship: str = "",
    actor: User | None = None,
) -> Citizen:
    parsed = cpr if isinstance(cpr, Cpr) else cpr_parse(cpr)
    previous = cpr_hashes(parsed)[1:]
    if previous and Citizen.objects.filter(jobcenter=jobcenter, cpr_hash__in=previous).exists():
        # During a key rotation the same number may still be stored under an old key,
        # where the unique constraint cannot see it.
        raise IntegrityError("citizen_unique_cpr: the citizen exists (under a previous key)")
    citizen = Citizen.objects.create(
        jobcenter=jobcenter,
        cpr_encrypted=cpr_encrypt(parsed),
        cpr_hash=cpr_hash(parsed),
        cpr_keyset=cpr_keyset_id(),
        name=name,
        birth_date=parsed.birth_date,
        gender=parsed.gender,
        postal_code=postal_code,
        street_address=street_address,
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


def access_flags(page: CitizenPage) -> list[str]:
    """Every event about a citizen seen through a break-the-glass access says so."""
    return ["outside_caseload"] if page.access == Access.BREAK_GLASS else []


def estimate_store(*, snapshot: AssessmentSnapshot, assessment: Assessment) -> Estimate | None:
    """The stored estimate of ``snapshot`` by the assessment's version, written the first
    time it is computed (so a judgement can name exactly what the caseworker saw)."""
    version = assessment.version
    if version is None or assessment.state not in ("scored", "not_scorable"):
        return None
    if assessment.state == "scored":
        result = assessment.explanation
        defaults = {
            "spell_id": snapshot.spell_id,
            "probability": result.probability,
            "band": result.band,
            "leaf_id": result.leaf_id,
        }
    else:
        defaults = {
            "spell_id": snapshot.spell_id,
            "missing_inputs": list(assessment.not_scorable.missing),
        }
    estimate, _ = Estimate.objects.get_or_create(
        snapshot=snapshot, model_version=version, defaults=defaults
    )
    return estimate


def estimate_output(assessment: Assessment) -> dict | None:
    if assessment.state != "scored":
        return None
    return {
        "band": assessment.explanation.band,
        "probability": round(assessment.explanation.probability, 6),
    }


@transaction.atomic
def citizen_view(
    *, user: User, citizen_id, details: dict | None = None
) -> tuple[CitizenPage, EstimatePanel]:
    """The citizen page's data, with the lookup recorded in the same transaction; and the
    estimate panel. A shown estimate is recorded as ESTIMATE_VIEW in the same
    transaction; if that event cannot be written the estimate is not shown.
    ``details`` say where the lookup came from when it is not the page (the API).
    Raises ``Citizen.DoesNotExist`` when the user may not see the citizen."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    flags = access_flags(page)
    audit_record(
        action=AuditAction.CITIZEN_VIEW,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="citizen",
        object_id=str(page.citizen.pk),
        flags=flags,
        details=details,
    )
    panel = estimate_panel(page=page)
    if not panel.shown:
        return page, panel
    assessment = panel.assessment
    try:
        with transaction.atomic():
            estimate = panel.estimate or estimate_store(
                snapshot=page.snapshot, assessment=assessment
            )
            audit_record(
                action=AuditAction.ESTIMATE_VIEW,
                user=user,
                citizen_id=page.citizen.pk,
                object_type="estimate",
                object_id=str(estimate.pk),
                model_version_id=assessment.version.pk,
                inputs_hash=inputs_hash(panel.inputs),
                output=estimate_output(assessment),
                flags=flags,
                details={
                    "snapshot_id": page.snapshot.pk,
                    "judgement_first": page.citizen.jobcenter.judgement_first,
                },
            )
    except (DatabaseError, AuditUnavailable):
        # No event, no estimate: the page is shown without it, and says why.
        logger.exception("the estimate view could not be recorded; the estimate is withheld")
        return page, EstimatePanel(state=PanelState.AUDIT_FAILED)
    return page, replace(panel, estimate=estimate)


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
        results = list(citizen_search_for_user(user=user, cpr_hashes=cpr_hashes(parsed)))
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


def reason_is_a_sentence(text: str) -> bool:
    """A reason the DPO can review: at least three words and fifteen letters, not "."
    or "x" or "se sag"."""
    words = [word for word in text.split() if any(ch.isalpha() for ch in word)]
    return len(words) >= 3 and sum(ch.isalpha() for ch in text) >= 15


@transaction.atomic
def break_glass_refused_record(*, user: User, refused_fields: list[str], codes: list[str]) -> None:
    """A break-the-glass that was refused (an unknown CPR number, a missing or empty
    reason): an event of its own, written after the refused attempt's transaction
    rolled back. It holds neither the number nor the citizen."""
    audit_record(
        action=AuditAction.ACCESS_REFUSED,
        user=user,
        object_type="break_glass",
        flags=["break_glass"],
        details={"page": "break_glass", "refused_fields": refused_fields, "codes": codes},
    )


@transaction.atomic
def access_refused_record(*, user: User, citizen_id, page: str) -> None:
    """A user opened a citizen they may not see (a link to another team's citizen, say).
    Called after the lookup's own transaction has rolled back, in a transaction of its
    own, so the refusal is kept although nothing else of the request is. The citizen is
    named only when they belong to the user's own jobcenter; the event never holds a
    name or a CPR number."""
    citizen = citizen_in_jobcenter(user=user, citizen_id=citizen_id)
    audit_record(
        action=AuditAction.ACCESS_REFUSED,
        user=user,
        citizen_id=citizen.pk if citizen is not None else None,
        object_type="citizen",
        object_id=str(citizen_id),
        flags=["outside_caseload"],
        details={"page": page, "known_citizen": citizen is not None},
    )


# -- Objections --------------------------------------------------------------------------


@transaction.atomic
def objection_record(
    *, user: User, citizen_id, received_on: datetime.date, channel: str, note: str = ""
) -> Objection:
    """The citizen objects to profiling: from now on no estimate is computed or shown."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    if page.objection is not None:
        raise ActionRefused(_("Borgerens indsigelse er allerede registreret."))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("Datoen kan ikke ligge i fremtiden.")})
    if channel not in Objection.Channel.values:
        raise ValidationError({"channel": _("Vælg, hvordan indsigelsen kom.")})
    objection = Objection.objects.create(
        jobcenter_id=page.citizen.jobcenter_id,
        citizen=page.citizen,
        received_on=received_on,
        channel=channel,
        note=note,
        recorded_by=user,
    )
    audit_record(
        action=AuditAction.OBJECTION_RECORD,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="objection",
        object_id=str(objection.pk),
        reason=note,
        flags=access_flags(page),
        details={"received_on": received_on.isoformat(), "channel": channel},
    )
    return objection


@transaction.atomic
def objection_withdraw(*, user: User, citizen_id, note: str = "") -> Objection:
    """The citizen withdraws the objection; estimates may be computed and shown again."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    if page.objection is None:
        raise ActionRefused(_("Borgeren har ingen indsigelse, der kan trækkes tilbage."))
    objection = page.objection
    objection.withdrawn_at = timezone.now()
    objection.withdrawn_by = user
    objection.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        action=AuditAction.OBJECTION_WITHDRAW,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="objection",
        object_id=str(objection.pk),
        reason=note,
        flags=access_flags(page),
    )
    return objection


# -- Break the glass ---------------------------------------------------------------------


@transaction.atomic
def break_glass_grant(
    *, user: User, cpr: str, reason_category: str, reason_text: str
) -> tuple[Citizen, BreakGlassAccess | None]:
    """A caseworker who must see a citizen outside their caseload gets time-limited
    access (``settings.BREAK_GLASS_MINUTES``) with a reason; the access is flagged for
    the DPO. A citizen the user may already see needs no access (``None``).
    Raises ``ActionRefused`` for anyone but a caseworker, ``ValidationError`` for a bad
    CPR number, an unknown citizen or a missing reason."""
    if not user.has_role(Role.CASEWORKER) or user.jobcenter_id is None:
        raise ActionRefused(_("Kun sagsbehandlere kan bruge nødadgang."))
    errors = {}
    try:
        parsed = cpr_parse(cpr)
    except ValueError:
        parsed = None
        errors["cpr"] = _("Skriv et gyldigt CPR-nummer (10 cifre).")
    if reason_category not in BreakGlassAccess.Reason.values:
        errors["reason_category"] = _("Vælg en årsag.")
    if not reason_text.strip():
        errors["reason_text"] = _("Skriv, hvorfor du skal se borgeren.")
    elif not reason_is_a_sentence(reason_text):
        errors["reason_text"] = _(
            "Skriv begrundelsen som mindst en hel sætning: hvad er sket, og hvorfor skal "
            "du se borgeren nu? Databeskyttelsesrådgiveren læser den."
        )
    if errors:
        raise ValidationError(errors)
    citizen = citizen_by_cpr_hash(user=user, cpr_hashes=cpr_hashes(parsed))
    if citizen is None:
        # The same answer whether the number is unknown or another jobcenter's.
        raise ValidationError(
            {
                "cpr": ValidationError(
                    _("Der er ingen borger med dette CPR-nummer i dit jobcenter."),
                    code="unknown_citizen",
                )
            }
        )
    if citizen_search_for_user(user=user, cpr_hashes=[citizen.cpr_hash]).exists():
        return citizen, None
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        jobcenter_id=user.jobcenter_id,
        user=user,
        citizen=citizen,
        reason_category=reason_category,
        reason_text=reason_text.strip(),
        starts_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    audit_record(
        action=AuditAction.BREAK_GLASS,
        user=user,
        citizen_id=citizen.pk,
        object_type="break_glass",
        object_id=str(access.pk),
        reason=access.reason_text,
        flags=["break_glass", "outside_caseload"],
        details={
            "reason_category": reason_category,
            "expires_at": access.expires_at.isoformat(),
        },
    )
    return citizen, access


# -- The jobcenter's judgement-first rule ------------------------------------------------


@transaction.atomic
def judgement_first_set(*, user: User, enabled: bool) -> Jobcenter:
    """A manager switches the judgement-first rule for their own jobcenter: caseworkers
    record their own assessment before the model's estimate is revealed.
    Raises ``ActionRefused`` for anyone but a manager of a jobcenter."""
    if not user.has_role(Role.MANAGER) or user.jobcenter_id is None:
        raise ActionRefused(_("Kun jobcentrets ledere kan ændre denne indstilling."))
    jobcenter = Jobcenter.objects.select_for_update().get(pk=user.jobcenter_id)
    before = jobcenter.judgement_first
    jobcenter.judgement_first = enabled
    jobcenter.save(update_fields=["judgement_first"])
    audit_record(
        action=AuditAction.SETTING_CHANGE,
        user=user,
        jobcenter_id=jobcenter.pk,
        object_type="jobcenter",
        object_id=str(jobcenter.pk),
        details={"setting": "judgement_first", "from": before, "to": enabled},
    )
    return jobcenter
