"""The caseworker's own records beside the model: their professional judgement and
their feedback on a rule. One function, one transaction, one audit event."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actions import AuditAction
from audit.services import audit_record
from casework.display import inputs_hash, snapshot_inputs
from casework.models import (
    Agreement,
    Estimate,
    Judgement,
    JudgementReason,
    NextStep,
    RevealAnswer,
    RiskBand,
    RuleFeedback,
)
from casework.selectors import CitizenPage, PanelState, citizen_page_for_user, estimate_panel
from casework.services import ActionRefused, access_flags
from jobcenter.models import User

STALE = gettext_lazy(
    "Oplysningerne er ændret, siden siden blev vist. Se siden igen, og registrér på ny."
)


def _estimate_seen(page: CitizenPage, estimate_id: int | None) -> Estimate | None:
    """The estimate the form says the user saw, if it belongs to the snapshot in force
    and the user may see estimates for this citizen now (no objection, the
    judgement-first rule satisfied)."""
    if estimate_id is None:
        return None
    estimate = next(
        (e for e in page.estimates if e.pk == estimate_id and e.snapshot_id == page.snapshot.pk),
        None,
    )
    if estimate is None or not estimate.is_scored:
        raise ActionRefused(str(STALE))
    if page.objection is not None:
        raise ActionRefused(_("Borgeren har gjort indsigelse; der vises ingen estimater."))
    if page.citizen.jobcenter.judgement_first and page.judgement_latest is None:
        raise ActionRefused(_("Registrér din egen vurdering, før du forholder dig til estimatet."))
    return estimate


@transaction.atomic
def judgement_record(
    *,
    user: User,
    citizen_id,
    snapshot_id: int,
    estimate_id: int | None,
    risk_band: str,
    agreement: str,
    reason_category: str = "",
    reason_text: str = "",
    next_step: str,
) -> Judgement:
    """Records the caseworker's own judgement of the snapshot in force. With an estimate
    shown, they agree or disagree (a disagreement needs a reason category and a text);
    before it, the agreement is "not seen". A new judgement supersedes the user's last
    one for the spell. The event is DISAGREEMENT on disagreement, else
    JUDGEMENT_RECORD: exactly one."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    if page.snapshot is None or page.snapshot.pk != snapshot_id:
        raise ActionRefused(str(STALE))
    estimate = _estimate_seen(page, estimate_id)
    reason_text = reason_text.strip()
    errors = {}
    if risk_band not in RiskBand.values:
        errors["risk_band"] = _("Vælg din egen vurdering af risikoen.")
    if next_step not in NextStep.values:
        errors["next_step"] = _("Vælg det planlagte næste skridt.")
    if estimate is None:
        agreement = Agreement.NOT_SEEN
    elif agreement not in (Agreement.AGREE, Agreement.DISAGREE):
        errors["agreement"] = _("Angiv, om du er enig eller uenig med modellens estimat.")
    errors.update(_reason_errors(agreement, reason_category, reason_text))
    if errors:
        raise ValidationError(errors)
    judgement = Judgement.objects.create(
        jobcenter_id=page.citizen.jobcenter_id,
        spell=page.current_spell,
        snapshot=page.snapshot,
        estimate=estimate,
        caseworker=user,
        risk_band=risk_band,
        agreement=agreement,
        reason_category=reason_category,
        reason_text=reason_text,
        next_step=next_step,
        supersedes=page.judgements[0] if page.judgements else None,
    )
    specification = page.snapshot.specification.specification
    audit_record(
        action=AuditAction.DISAGREEMENT
        if agreement == Agreement.DISAGREE
        else AuditAction.JUDGEMENT_RECORD,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="judgement",
        object_id=str(judgement.pk),
        model_version_id=estimate.model_version_id if estimate else None,
        inputs_hash=inputs_hash(
            snapshot_inputs(specification=specification, values=page.snapshot.values)
        ),
        output={
            "risk_band": risk_band,
            "agreement": agreement,
            "next_step": next_step,
            "model_band": estimate.band if estimate else None,
        },
        reason=reason_text,
        flags=access_flags(page),
        details={
            "reason_category": reason_category,
            "snapshot_id": page.snapshot.pk,
            "estimate_id": estimate.pk if estimate else None,
            "supersedes": judgement.supersedes_id,
        },
    )
    return judgement


def _reason_errors(agreement: str, reason_category: str, reason_text: str) -> dict:
    errors = {}
    if reason_category and reason_category not in JudgementReason.values:
        errors["reason_category"] = _("Vælg en begrundelse på listen.")
    if agreement == Agreement.DISAGREE:
        if not reason_category:
            errors["reason_category"] = _("Vælg en begrundelse, når du er uenig.")
        if not reason_text:
            errors["reason_text"] = _("Skriv en begrundelse, når du er uenig.")
    return errors


@transaction.atomic
def reveal_answer_record(
    *,
    user: User,
    citizen_id,
    judgement_id: int,
    estimate_id: int,
    agreement: str,
    reason_category: str = "",
    reason_text: str = "",
) -> RevealAnswer:
    """Once the estimate is shown, the caseworker who judged before seeing it says
    whether they agree with it (a disagreement needs a reason). The answer is kept
    beside that first judgement, which is not changed. One JUDGEMENT_AFTER_REVEAL
    event; a disagreement is flagged as one for the DPO."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    judgement = page.judgement_latest
    if (
        page.snapshot is None
        or judgement is None
        or judgement.pk != judgement_id
        or judgement.agreement != Agreement.NOT_SEEN
        or hasattr(judgement, "reveal_answer")
    ):
        raise ActionRefused(str(STALE))
    estimate = _estimate_seen(page, estimate_id)
    if estimate is None:
        raise ActionRefused(str(STALE))
    reason_text = reason_text.strip()
    errors = _reason_errors(agreement, reason_category, reason_text)
    if agreement not in RevealAnswer.Answer.values:
        errors["agreement"] = _("Angiv, om du er enig eller uenig med modellens estimat.")
    if errors:
        raise ValidationError(errors)
    answer = RevealAnswer.objects.create(
        jobcenter_id=page.citizen.jobcenter_id,
        judgement=judgement,
        estimate=estimate,
        caseworker=user,
        agreement=agreement,
        reason_category=reason_category,
        reason_text=reason_text,
    )
    specification = page.snapshot.specification.specification
    flags = access_flags(page)
    if agreement == RevealAnswer.Answer.DISAGREE:
        flags = [*flags, "disagreement"]
    audit_record(
        action=AuditAction.JUDGEMENT_AFTER_REVEAL,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="reveal_answer",
        object_id=str(answer.pk),
        model_version_id=estimate.model_version_id,
        inputs_hash=inputs_hash(
            snapshot_inputs(specification=specification, values=page.snapshot.values)
        ),
        output={
            "agreement": agreement,
            "risk_band": judgement.risk_band,
            "model_band": estimate.band,
        },
        reason=reason_text,
        flags=flags,
        details={
            "reason_category": reason_category,
            "judgement_id": judgement.pk,
            "estimate_id": estimate.pk,
            "snapshot_id": page.snapshot.pk,
        },
    )
    return answer


@transaction.atomic
def rule_feedback_record(
    *, user: User, citizen_id, estimate_id: int, feature: str, kind: str, comment: str = ""
) -> RuleFeedback:
    """Flags a rule or an input of the estimate shown as irrelevant or misleading for this
    citizen, for the data team."""
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    if page.snapshot is None:
        raise ActionRefused(str(STALE))
    estimate = _estimate_seen(page, estimate_id)
    specification = page.snapshot.specification.specification
    errors = {}
    if feature not in {f.name for f in specification.inputs}:
        errors["feature"] = _("Vælg en regel eller en oplysning fra estimatet.")
    if kind not in RuleFeedback.Kind.values:
        errors["kind"] = _("Angiv, om reglen er irrelevant eller misvisende.")
    if errors:
        raise ValidationError(errors)
    panel = estimate_panel(page=page)
    rule_text = ""
    if panel.state == PanelState.SHOWN and panel.assessment.version.pk == estimate.model_version_id:
        rule_text = next(
            (r.text_da for r in panel.assessment.explanation.rules if r.feature == feature), ""
        )
    feedback = RuleFeedback.objects.create(
        jobcenter_id=page.citizen.jobcenter_id,
        estimate=estimate,
        model_version_id=estimate.model_version_id,
        feature=feature,
        rule_text=rule_text,
        kind=kind,
        comment=comment.strip(),
        user=user,
    )
    audit_record(
        action=AuditAction.RULE_FEEDBACK,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="rule_feedback",
        object_id=str(feedback.pk),
        model_version_id=estimate.model_version_id,
        inputs_hash=inputs_hash(
            snapshot_inputs(specification=specification, values=page.snapshot.values)
        ),
        reason=feedback.comment,
        flags=access_flags(page),
        details={"feature": feature, "kind": kind, "estimate_id": estimate.pk},
    )
    return feedback
