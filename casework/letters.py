"""The letter to the citizen (partsindsigt): the data used, the rules in plain language,
what the estimate means and does not mean, the caseworker's own judgement and the
citizen's rights. Producing it, as HTML or as PDF, is one read and one audit event in
the same transaction: no event, no letter."""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction
from audit.services import audit_record
from casework.display import (
    CorrectionRow,
    EstimateDisplay,
    InputRow,
    date_text,
    estimate_display,
    inputs_hash,
    page_input_rows,
)
from casework.models import Judgement, RiskBand
from casework.selectors import CitizenPage, PanelState, citizen_page_for_user, estimate_panel
from casework.services import access_flags, estimate_output, estimate_store
from jobcenter.models import User

LANGUAGES = ("da", "en")
FORMATS = ("html", "pdf")

# The sources a snapshot's values come from, as the citizen reads them. A source not
# named here is shown as it is (a register's own name needs no translation).
SOURCE_NAMES = {
    "CPR": _("CPR-registret"),
    "DREAM": _("DREAM (registeret over offentlige ydelser)"),
    "eIndkomst": _("eIndkomst (indkomstregisteret)"),
    "Uddannelsesregisteret": _("Uddannelsesregisteret"),
    "Jobnet": _("Jobnet"),
    "Fagsystem": _("Jobcentrets fagsystem"),
    "Sagsbehandler": _("Din sagsbehandler"),
    "Egen oplysning": _("Dine egne oplysninger"),
}
_MEETING_SOURCE = re.compile(r"^(?P<source>.+), (?P<number>\d+)\. samtale$")


def source_name(source: str, language: str) -> str:
    """A value's source in the letter's language: ``"Sagsbehandler, 1. samtale"`` reads
    "Your caseworker, meeting 1" in English."""
    with translation.override(language):
        match = _MEETING_SOURCE.match(source or "")
        if match:
            return str(_("%(source)s, %(number)s. samtale")) % {
                "source": source_name(match["source"], language),
                "number": match["number"],
            }
        name = SOURCE_NAMES.get(source)
        return str(name) if name is not None else source


@dataclass(frozen=True)
class Contact:
    """Who the citizen can contact: the caseworker of the spell (or the one writing),
    their direct phone or else the team's, and the team's e-mail or else theirs."""

    name: str
    team: str
    phone: str
    email: str


def letter_contact(*, page, user: User) -> Contact:
    spell = page.current_spell
    caseworker = (spell.caseworker if spell is not None else None) or user
    team = (spell.team if spell is not None else None) or caseworker.team
    return Contact(
        name=caseworker.get_full_name() or caseworker.get_username(),
        team=team.name if team is not None else "",
        phone=caseworker.phone or (team.phone if team is not None else ""),
        email=(team.email if team is not None else "") or caseworker.email,
    )


def letter_address(*, page, language: str) -> list[str]:
    """The citizen's address as the jobcenter holds it: the name, the street and the
    postal district (``7400 Herning``, from the specification's labels when it has
    them)."""
    citizen = page.citizen
    lines = [citizen.name]
    if citizen.street_address:
        lines.append(citizen.street_address)
    postal_code = citizen.postal_code
    if postal_code:
        district = postal_code
        if page.snapshot is not None:
            try:
                feature = page.snapshot.specification.specification.feature("postal_code")
            except KeyError:
                feature = None
            if feature is not None:
                district = feature.value_label(postal_code, language) or postal_code
        lines.append(district)
    return lines


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
    contact: Contact | None = None
    address: tuple[str, ...] = ()
    include_own_words: bool = False  # the caseworker chose to quote their own words

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
    include_own_words: bool = False,
) -> tuple[Letter, Any]:
    """The letter's content for ``user`` (who must be allowed to see the citizen, as on
    the citizen page; ``Citizen.DoesNotExist`` otherwise), with exactly one LETTER
    event. ``render`` (the HTML or PDF renderer) runs inside the transaction, so a
    letter that cannot be rendered leaves no event behind. A score is included only
    when the citizen page would show it to ``user``: never with an objection standing,
    never before the user's own judgement under the judgement-first rule. The
    caseworker's own words (the judgement's free text) are quoted only when
    ``include_own_words``: the caseworker chooses, per letter."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown letter language {language!r}")
    if output_format not in FORMATS:
        raise ValueError(f"unknown letter format {output_format!r}")
    page = citizen_page_for_user(user=user, citizen_id=citizen_id)
    panel = estimate_panel(page=page)
    snapshot = page.snapshot
    inputs, corrections = page_input_rows(page, language)
    # In the letter every source is named in its language, and dates are in words.
    inputs = [
        replace(
            row,
            source=source_name(row.source, language),
            original_source=source_name(row.original_source, language),
            date=date_text(row.date, language),
            original_date=date_text(row.original_date, language),
        )
        for row in inputs
    ]
    corrections = [replace(row, source=source_name(row.source, language)) for row in corrections]
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
        contact=letter_contact(page=page, user=user),
        address=tuple(letter_address(page=page, language=language)),
        include_own_words=include_own_words,
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
            "own_words": include_own_words,
        },
    )
    return letter, (render(letter) if render is not None else None)
