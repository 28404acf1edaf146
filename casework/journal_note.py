"""The journal note the case system files in the citizen's journal: the caseworker's
professional judgement first, the model's estimate only as background, the model version
and the date. Plain functions on plain data (no database), always in Danish: the
journal is kept in Danish whoever reads the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from casework.models import Agreement, JudgementReason, NextStep, RiskBand


@dataclass(frozen=True)
class NoteJudgement:
    risk_band: str
    agreement: str
    reason_category: str
    reason_text: str
    next_step: str
    made_on: datetime.date
    made_by: str


@dataclass(frozen=True)
class NoteEstimate:
    probability: float
    band: str
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class NoteModel:
    name: str
    number: int


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


def _date(day: datetime.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def journal_note_text(
    *,
    judgement: NoteJudgement | None,
    estimate: NoteEstimate | None,
    model: NoteModel | None,
    on: datetime.date,
    withheld: str = "",
) -> str:
    """The note as plain text in Danish. ``withheld`` says why there is no estimate
    (an objection, judgement first, scoring stopped), when there is none."""
    with translation.override("da"):
        lines = [_("Faglig vurdering af risikoen for langvarig ledighed")]
        if judgement is None:
            lines.append(_("Der er endnu ikke registreret en faglig vurdering."))
        else:
            lines.append(
                _("Sagsbehandlerens vurdering: %(band)s risiko.")
                % {"band": _label(RiskBand, judgement.risk_band)}
            )
            lines.append(
                _("Forhold til modellens estimat: %(agreement)s.")
                % {"agreement": _label(Agreement, judgement.agreement)}
            )
            if judgement.reason_category:
                lines.append(
                    _("Begrundelse: %(reason)s.")
                    % {"reason": _label(JudgementReason, judgement.reason_category)}
                )
            if judgement.reason_text:
                lines.append(_("Med egne ord: %(text)s") % {"text": judgement.reason_text.strip()})
            lines.append(
                _("Planlagt næste skridt: %(step)s.")
                % {"step": _label(NextStep, judgement.next_step)}
            )
            lines.append(
                _("Vurderet %(date)s af %(name)s.")
                % {"date": _date(judgement.made_on), "name": judgement.made_by}
            )
        lines.append("")
        lines.append(_("Baggrund: modellens estimat"))
        if estimate is None:
            lines.append(withheld or _("Der er ikke beregnet et estimat."))
        else:
            text = _("Estimeret risiko %(probability)s (%(band)s).") % {
                "probability": _percent(estimate.probability),
                "band": _label(RiskBand, estimate.band).lower(),
            }
            if estimate.interval is not None:
                text += " " + _("Usikkerhed (95 %%-interval): %(low)s til %(high)s.") % {
                    "low": _percent(estimate.interval[0]),
                    "high": _percent(estimate.interval[1]),
                }
            lines.append(text)
            lines.append(
                _(
                    "Estimatet er en statistisk beregning til støtte for den faglige "
                    "vurdering, ikke en afgørelse."
                )
            )
        if model is not None:
            lines.append(
                _("Model: %(name)s, version %(number)s.")
                % {"name": model.name, "number": model.number}
            )
        lines.append(_("Dato: %(date)s.") % {"date": _date(on)})
        return "\n".join(lines)
