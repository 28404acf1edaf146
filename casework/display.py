"""Plain functions that turn stored values into what a page shows. No database."""

import datetime
import hashlib
import json
import math
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prediction.explanations import Explanation
from prediction.quality_display import QualityView, quality_view
from prediction.specification import Feature, Specification, format_number


@dataclass(frozen=True)
class InputRow:
    name: str
    label: str
    value: str
    source: str
    date: str
    missing: bool
    kind: str = ""
    raw: str = ""  # the value as a correction form pre-fills it
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a select
    corrected: bool = False
    original_value: str = ""
    original_source: str = ""
    original_date: str = ""
    unit: str = ""
    minimum: str = ""
    maximum: str = ""

    @property
    def feature_name(self) -> str:
        return self.name


def _raw(feature: Feature, value) -> str:
    if value is None:
        return ""
    if feature.type == "boolean":
        return "true" if value else "false"
    if feature.type == "numeric":
        number = float(value)
        return str(int(number)) if number.is_integer() else str(number)
    return str(value)


def _choices(feature: Feature, language: str) -> tuple[tuple[str, str], ...]:
    if feature.type == "categorical":
        return tuple((value, feature.value_label(value, language)) for value in feature.values)
    if feature.type == "boolean":
        return (
            ("true", feature.value_label(True, language)),
            ("false", feature.value_label(False, language)),
        )
    return ()


def _counted(unit_da: str, number: float, text: str) -> str | None:
    """A count with its unit in the active language, singular or plural by ngettext
    ("1 jobsøgning", "2 jobsøgninger"; "1 application"): the specification gives each
    unit in the plural only. The units of the default specification are known here;
    another unit is None (the caller writes the specification's own plural)."""
    count = int(number) if float(number).is_integer() else 2  # 1,5 måneder: plural
    values = {"n": text}
    if unit_da == "jobsøgninger":
        return ngettext("%(n)s jobsøgning", "%(n)s jobsøgninger", count) % values
    if unit_da == "måneder":
        return ngettext("%(n)s måned", "%(n)s måneder", count) % values
    if unit_da == "forløb":
        return ngettext("%(n)s forløb", "%(n)s forløb", count) % values
    if unit_da == "år":
        return ngettext("%(n)s år", "%(n)s år", count) % values
    return None


def value_text(feature: Feature, value, language: str) -> str:
    """A value as the page writes it: the specification's label, except that a count
    with a known unit gets the unit's singular or plural."""
    if feature.type == "numeric" and value is not None and feature.unit_da:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return feature.value_label(value, language)
        if math.isfinite(number):
            counted = _counted(feature.unit_da, number, format_number(number, language))
            if counted is not None:
                return counted
    return feature.value_label(value, language)


def snapshot_input_rows(
    *,
    specification: Specification,
    values: dict,
    language: str,
    original: dict | None = None,
) -> list[InputRow]:
    """The model inputs of a snapshot in specification order, labelled in ``language``.
    Protected attributes are left out: they are never inputs. With ``original`` (the
    values of the first snapshot), a corrected input also shows what it was."""
    rows = []
    for feature in specification.inputs:
        entry = values.get(feature.name) or {}
        value = entry.get("value")
        before = (original or {}).get(feature.name) or {}
        corrected = original is not None and (
            before.get("value") != value or before.get("source", "") != entry.get("source", "")
        )
        rows.append(
            InputRow(
                name=feature.name,
                label=feature.label(language),
                value="" if value is None else value_text(feature, value, language),
                source=entry.get("source", ""),
                date=entry.get("date", ""),
                missing=value is None,
                kind=feature.type,
                raw=_raw(feature, value),
                choices=_choices(feature, language),
                corrected=corrected,
                original_value=value_text(feature, before.get("value"), language)
                if corrected
                else "",
                original_source=before.get("source", "") if corrected else "",
                original_date=before.get("date", "") if corrected else "",
                unit=feature.unit(language),
                minimum=_raw(feature, feature.min) if feature.min is not None else "",
                maximum=_raw(feature, feature.max) if feature.max is not None else "",
            )
        )
    return rows


def snapshot_inputs(*, specification: Specification, values: dict) -> dict:
    """The model's inputs (parsed values, protected attributes left out)."""
    return {f.name: (values.get(f.name) or {}).get("value") for f in specification.inputs}


def inputs_hash(inputs: dict) -> str:
    """SHA-256 of the inputs in canonical JSON (sorted keys, no spaces, UTF-8): the same
    inputs always give the same hash, whatever order they were stored in."""
    canonical = json.dumps(
        inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def percent(value, language: str, decimals: int = 0) -> str:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return f"{format_number(round(value * 100, decimals), language)} %"


@dataclass(frozen=True)
class RuleRow:
    feature: str
    text: str
    change: str  # "+12 procentpoint" style, signed
    direction: str  # "up" | "down" | "none"
    before: str
    after: str

    @property
    def feature_name(self) -> str:
        return self.feature


@dataclass(frozen=True)
class EstimateDisplay:
    band: str
    probability: str
    interval_low: str
    interval_high: str
    leaf_n: int
    leaf_n_text: str
    base_rate: str
    rules: tuple[RuleRow, ...]
    meaning: str
    auc: str
    accuracy: str
    majority_accuracy: str
    test_n: str
    # The quality gate and the intervals (prediction.quality_display); None when the
    # caller passed no gate.
    quality: QualityView | None = None
    # The bands' limits as percentages ("30 %", "60 %"), so a page can say what
    # "lav", "middel" and "høj" mean; empty when the caller passed none.
    band_low: str = ""
    band_high: str = ""


def estimate_display(
    *,
    explanation: Explanation,
    metrics: dict,
    language: str,
    quality_gate: dict | None = None,
    band_cutoffs: tuple[float, float] | None = None,
) -> EstimateDisplay:
    """The estimate as the page shows it: percentages, the rules with how many
    percentage points each moved the risk, and the model's quality next to the trivial
    guess of always predicting the most common outcome."""
    rules = []
    for rule in explanation.conditions:
        points = round(rule.contribution * 100)
        direction = "up" if points > 0 else "down" if points < 0 else "none"
        sign = "+" if points > 0 else "−" if points < 0 else "±"
        rules.append(
            RuleRow(
                feature=rule.feature,
                text=rule.text(language),
                change=f"{sign}{format_number(abs(points), language)}",
                direction=direction,
                before=percent(rule.probability_before, language),
                after=percent(rule.probability_after, language),
            )
        )
    auc = metrics.get("auc")
    test_n = metrics.get("n")
    return EstimateDisplay(
        band=explanation.band,
        probability=percent(explanation.probability, language),
        interval_low=percent(explanation.interval[0], language),
        interval_high=percent(explanation.interval[1], language),
        leaf_n=explanation.leaf_n,
        leaf_n_text=format_number(explanation.leaf_n, language),
        base_rate=percent(explanation.base_rate, language),
        rules=tuple(rules),
        meaning=explanation.meaning_en if language == "en" else explanation.meaning_da,
        auc=format_number(round(auc, 2), language) if isinstance(auc, int | float) else "–",
        accuracy=percent(metrics.get("accuracy"), language),
        majority_accuracy=percent(metrics.get("majority_accuracy"), language),
        test_n=format_number(test_n, language) if isinstance(test_n, int | float) else "–",
        band_low=percent(band_cutoffs[0], language) if band_cutoffs else "",
        band_high=percent(band_cutoffs[1], language) if band_cutoffs else "",
        quality=(
            quality_view(gate=quality_gate, metrics=metrics, language=language)
            if quality_gate is not None
            else None
        ),
    )


@dataclass(frozen=True)
class CorrectionRow:
    snapshot_id: int
    label: str
    before: str
    after: str
    source: str
    reason: str
    by: str
    at: object  # datetime


def correction_rows(*, snapshots: list, specification: Specification, language: str) -> list:
    """Each correction of a spell's snapshot as one row per changed input: what it was,
    what it became, the source, who and when. ``snapshots`` have ``values``,
    ``corrects_id``, ``correction_reason``, ``created_by`` and ``created_at``."""
    by_id = {s.pk: s for s in snapshots}
    rows = []
    for snapshot in snapshots:
        previous = by_id.get(snapshot.corrects_id)
        if previous is None:
            continue
        for feature in specification.inputs:
            old = previous.values.get(feature.name) or {}
            new = snapshot.values.get(feature.name) or {}
            if old.get("value") == new.get("value") and old.get("source") == new.get("source"):
                continue
            user = snapshot.created_by
            rows.append(
                CorrectionRow(
                    snapshot_id=snapshot.pk,
                    label=feature.label(language),
                    before=value_text(feature, old.get("value"), language),
                    after=value_text(feature, new.get("value"), language),
                    source=new.get("source", ""),
                    reason=snapshot.correction_reason,
                    by=(user.get_full_name() or user.get_username()) if user else "",
                    at=snapshot.created_at,
                )
            )
    return rows


# -- Dates: one format on a page ---------------------------------------------------------

DATE_FORMATS = {"da": "j. F Y", "en": "j F Y"}
DATETIME_FORMATS = {"da": "j. F Y, H:i", "en": "j F Y, H:i"}


def date_text(value, language: str, *, with_time: bool = False) -> str:
    """A date as the page writes it: "15. juni 1994" in Danish, "15 June 1994" in
    English (no Danish period); with the time, "15. juni 1994, 14:05". ISO text
    ("1994-06-15") is read too. The month's name comes from the active language."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    lang = "en" if language.startswith("en") else "da"
    formats = DATETIME_FORMATS if with_time else DATE_FORMATS
    if with_time and isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, formats[lang])


# -- How old the snapshot's information is -----------------------------------------------

# A snapshot is taken at meeting 2; a meeting this many months later or more shows how
# old the information behind the estimate is.
SNAPSHOT_OLD_MONTHS = 3


@dataclass(frozen=True)
class SnapshotAge:
    as_of: datetime.date
    latest_meeting: datetime.date
    months: int


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def snapshot_age(*, as_of: datetime.date | None, meetings) -> SnapshotAge | None:
    """How old the snapshot is at the spell's latest meeting, when that is at least
    ``SNAPSHOT_OLD_MONTHS`` later; else None. ``meetings`` have ``held_on``."""
    if as_of is None:
        return None
    dates = [m.held_on for m in meetings]
    if not dates:
        return None
    latest = max(dates)
    months = months_between(as_of, latest)
    if months < SNAPSHOT_OLD_MONTHS:
        return None
    return SnapshotAge(as_of=as_of, latest_meeting=latest, months=months)


# -- The judgement history ---------------------------------------------------------------


@dataclass(frozen=True)
class JudgementRow:
    judgement_id: int
    by: str
    at: object  # datetime
    risk_band: str
    agreement: str
    after_reveal: str
    reason: str
    next_step: str
    snapshot: str
    in_force: bool


def snapshot_labels(snapshots: list) -> dict[int, str]:
    """Each snapshot of a spell as a person names it: the original information, or
    the n-th correction; ``snapshots`` oldest first."""
    labels = {}
    for number, snapshot in enumerate(snapshots):
        labels[snapshot.pk] = (
            _("Oprindelige oplysninger")
            if number == 0
            else _("Rettelse %(number)s") % {"number": number}
        )
    return labels


def _reason(category_label: str, text: str) -> str:
    if category_label and text:
        return f"{category_label}: {text}"
    return category_label or text


def judgement_history_rows(*, judgements: list, snapshots: list) -> list[JudgementRow]:
    """Every judgement of the spell, newest first: who, when, what, on which snapshot,
    and the answer given once the estimate was shown. ``judgements`` come with their
    caseworker and ``reveal_answer`` already read."""
    labels = snapshot_labels(snapshots)
    replaced = {s.corrects_id for s in snapshots if s.corrects_id}
    rows = []
    for judgement in judgements:
        user = judgement.caseworker
        answer = getattr(judgement, "reveal_answer", None)
        after = ""
        reason = _reason(
            judgement.get_reason_category_display() if judgement.reason_category else "",
            judgement.reason_text,
        )
        if answer is not None:
            after = answer.get_agreement_display()
            answer_reason = _reason(
                answer.get_reason_category_display() if answer.reason_category else "",
                answer.reason_text,
            )
            reason = "; ".join(r for r in (reason, answer_reason) if r)
        rows.append(
            JudgementRow(
                judgement_id=judgement.pk,
                by=(user.get_full_name() or user.get_username()) if user else "",
                at=judgement.created_at,
                risk_band=judgement.get_risk_band_display(),
                agreement=judgement.get_agreement_display(),
                after_reveal=after,
                reason=reason,
                next_step=judgement.get_next_step_display(),
                snapshot=labels.get(judgement.snapshot_id, ""),
                in_force=judgement.snapshot_id not in replaced,
            )
        )
    return rows


def page_input_rows(page, language: str) -> tuple[list[InputRow], list]:
    """The inputs behind a citizen's estimate, each with its original value where it was
    corrected, and the corrections made: what the citizen page and the letter show."""
    snapshot = page.snapshot
    if snapshot is None:
        return [], []
    specification = snapshot.specification.specification
    original = page.original_snapshot
    rows = snapshot_input_rows(
        specification=specification,
        values=snapshot.values,
        language=language,
        original=original.values if original is not None and original != snapshot else None,
    )
    corrections = correction_rows(
        snapshots=page.snapshots, specification=specification, language=language
    )
    return rows, corrections
