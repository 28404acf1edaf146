"""The letter to the citizen (partsindsigt): the data used, the rules in plain language,
what the estimate means and does not mean, the caseworker's own judgement and the
citizen's rights. Producing it, as HTML or as PDF, is one read and one audit event in
the same transaction: no event, no letter."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from casework.display import (
    CorrectionRow,
    EstimateDisplay,
    InputRow,
    correction_rows,
    estimate_display,
    inputs_hash,
    snapshot_input_rows,
)
from casework.models import Judgement, RiskBand
from casework.selectors import CitizenPage, PanelState, citizen_page_for_user, estimate_panel
from casework.services import access_flags, estimate_output, estimate_store
from jobcenter.models import User

LANGUAGES = ("da", "en")
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class Letter:
    page: CitizenPage
    language: str
    output_format: str
    produced_at: Any  # datetime
    produced_by: User
    inputs: list[InputRow]
    corrections: list[CorrectionRow]
    state: str  # a PanelState; SHOWN when the letter carries a score
    display: EstimateDisplay | None
    band_label: str
    model_version: Any  # prediction.models.ModelVersion | None
    judgement: Judgement | None

    @property
    def shown(self) -> bool:
        return self.state == PanelState.SHOWN

    @property
    def objection(self):
        return self.page.objection


def judgement_latest(page: CitizenPage) -> Judgement | None:
    """The latest professional judgement recorded for the current spell, by whichever
    caseworker recorded it (the letter speaks for the jobcenter, not the viewer)."""
    if page.current_spell is None:
        return None
    return (
        Judgement.objects.filter(spell=page.current_spell)
        .select_related("caseworker", "reveal_answer")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def letter_produce(
    *,
    user: User,
    citizen_id,
    language: str,
    output_format: str,
    render: Callable[[Letter], Any] | None = None,
) -> tuple[Letter, Any]:
    """The letter's content for ``user`` (who must be allowed to see the citizen, as on
    the citizen page; ``Citizen.DoesNotExist`` otherwise), with exactly one LETTER
    event. ``render`` (the HTML or PDF renderer) runs inside the transaction, so a
    letter that cannot be rendered leaves no event behind. A score is included only
    when the citizen page would show it to ``user``: never with an objection standing,
    never before the user's own judgement under the judgement-first rule."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown letter language {language!r}")
    if output_format not in FORMATS:
        raise ValueError(f"unknown letter format {output_format!r}")
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    panel = estimate_panel(page=page)
    inputs: list[InputRow] = []
    corrections: list[CorrectionRow] = []
    snapshot = page.snapshot
    if snapshot is not None:
        specification = snapshot.specification.specification
        original = page.original_snapshot
        inputs = snapshot_input_rows(
            specification=specification,
            values=snapshot.values,
            language=language,
            original=original.values if original is not None and original != snapshot else None,
        )
        corrections = correction_rows(
            snapshots=page.snapshots, specification=specification, language=language
        )
    display = version = estimate = None
    band_label = ""
    if panel.shown:
        version = panel.assessment.version
        display = estimate_display(
            explanation=panel.assessment.explanation,
            metrics=version.metrics or {},
            language=language,
            quality_gate=version.quality_gate,
            band_cutoffs=version.band_cutoffs,
        )
        band_label = dict(RiskBand.choices)[display.band]  # lazy: in the letter's language
        estimate = panel.estimate or estimate_store(snapshot=snapshot, assessment=panel.assessment)
    judgement = judgement_latest(page)
    letter = Letter(
        page=page,
        language=language,
        output_format=output_format,
        produced_at=timezone.now(),
        produced_by=user,
        inputs=inputs,
        corrections=corrections,
        state=panel.state,
        display=display,
        band_label=band_label,
        model_version=version,
        judgement=judgement,
    )
    audit_record(
        action=AuditAction.LETTER,
        user=user,
        citizen_id=page.citizen.pk,
        object_type="estimate" if estimate is not None else "citizen",
        object_id=str(estimate.pk if estimate is not None else page.citizen.pk),
        model_version_id=version.pk if version is not None else None,
        inputs_hash=inputs_hash(panel.inputs) if panel.shown else "",
        output=estimate_output(panel.assessment) if panel.shown else None,
        flags=access_flags(page),
        details={
            "language": language,
            "format": output_format,
            "estimate_state": panel.state,
            "snapshot_id": snapshot.pk if snapshot is not None else None,
            "judgement_id": judgement.pk if judgement is not None else None,
        },
    )
    return letter, (render(letter) if render is not None else None)
