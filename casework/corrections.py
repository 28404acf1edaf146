"""Corrections of a snapshot's input: a new snapshot that names the one it corrects,
scored at once; both are kept and shown. One transaction, one CORRECTION event."""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import audit_record
from casework.display import inputs_hash, snapshot_inputs
from casework.models import AssessmentSnapshot, Estimate
from casework.selectors import citizen_page_for_user
from casework.services import (
    ActionRefused,
    SnapshotInvalid,
    access_flags,
    estimate_output,
    estimate_store,
    snapshot_values_clean,
)
from jobcenter.models import User
from prediction.selectors import assessment_for_inputs
from prediction.specification import Feature, format_number


def value_error_message(feature: Feature, language: str = "da") -> str:
    """What the caseworker must enter for ``feature``, in plain words."""
    if feature.type == "categorical":
        return _("Vælg en af de mulige værdier.")
    if feature.type == "boolean":
        return _("Vælg ja eller nej.")
    if feature.min is not None and feature.max is not None:
        return _("Skriv et tal fra %(min)s til %(max)s.") % {
            "min": format_number(feature.min, language),
            "max": format_number(feature.max, language),
        }
    return _("Skriv et tal.")


@transaction.atomic
def snapshot_correct(
    *,
    user: User,
    citizen_id,
    snapshot_id: int,
    feature: str,
    value: str,
    source: str,
    reason: str = "",
    language: str = "da",
) -> tuple[AssessmentSnapshot, Estimate | None]:
    """Corrects one input of the snapshot in force: the value is validated against the
    feature specification, a new snapshot is written with ``corrects`` set, and it is
    scored at once by the active version (unless the citizen objects, scoring is
    stopped or there is no model). Returns the new snapshot and its estimate."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    stale = _("Oplysningerne er ændret, siden siden blev vist. Se siden igen, og ret på ny.")
    if page.snapshot is None or page.snapshot.pk != snapshot_id:
        raise ActionRefused(stale)
    # Lock the snapshot in force: two corrections at once must not both replace it.
    current = AssessmentSnapshot.objects.select_for_update().get(pk=snapshot_id)
    if current.corrections.exists():
        raise ActionRefused(stale)
    specification = page.snapshot.specification.specification
    inputs = {f.name: f for f in specification.inputs}
    if feature not in inputs:
        raise ValidationError({"feature": _("Vælg en af oplysningerne i grundlaget.")})
    spec_feature = inputs[feature]
    source = source.strip()
    errors = {}
    try:
        parsed = spec_feature.parse_value(value)
    except ValueError:
        parsed = None
        errors["value"] = value_error_message(spec_feature, language)
    else:
        if parsed is None and spec_feature.required:
            errors["value"] = _("Oplysningen skal udfyldes.")
    if not source:
        errors["source"] = _("Skriv, hvor den rigtige oplysning kommer fra.")
    old = (current.values.get(feature) or {}).get("value")
    if not errors and parsed == old:
        errors["value"] = _("Værdien er den samme som før.")
    if errors:
        raise ValidationError(errors)

    values = copy.deepcopy(current.values)
    values[feature] = {
        "value": parsed,
        "source": source,
        "date": timezone.localdate().isoformat(),
    }
    try:
        cleaned = snapshot_values_clean(
            specification=page.snapshot.specification, values=values, default_date=current.as_of
        )
    except SnapshotInvalid as exc:  # another stored value no longer fits the specification
        raise ValidationError({"value": str(exc)}) from exc
    corrected = AssessmentSnapshot.objects.create(
        spell_id=current.spell_id,
        specification_id=current.specification_id,
        as_of=current.as_of,
        values=cleaned,
        corrects=current,
        correction_reason=reason.strip(),
        created_by=user,
    )
    new_inputs = snapshot_inputs(specification=specification, values=cleaned)
    estimate = None
    assessment = None
    if page.objection is None:
        assessment = assessment_for_inputs(
            specification_id=corrected.specification_id,
            jobcenter_id=page.citizen.jobcenter_id,
            inputs=new_inputs,
        )
        estimate = estimate_store(snapshot=corrected, assessment=assessment)
    audit_record(
        action=AuditAction.CORRECTION,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="snapshot",
        object_id=str(corrected.pk),
        model_version_id=estimate.model_version_id if estimate else None,
        inputs_hash=inputs_hash(new_inputs),
        output=estimate_output(assessment) if assessment else None,
        reason=corrected.correction_reason,
        flags=access_flags(page),
        details={
            "feature": feature,
            "from": old,
            "to": parsed,
            "source": source,
            "corrects": current.pk,
            "estimate_id": estimate.pk if estimate else None,
            "scoring": assessment.state if assessment else "objection",
        },
    )
    return corrected, estimate
