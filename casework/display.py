"""Plain functions that turn stored values into what a page shows. No database."""

import hashlib
import json
import math
from dataclasses import dataclass

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
                value="" if value is None else feature.value_label(value, language),
                source=entry.get("source", ""),
                date=entry.get("date", ""),
                missing=value is None,
                kind=feature.type,
                raw=_raw(feature, value),
                choices=_choices(feature, language),
                corrected=corrected,
                original_value=feature.value_label(before.get("value"), language)
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
                    before=feature.value_label(old.get("value"), language),
                    after=feature.value_label(new.get("value"), language),
                    source=new.get("source", ""),
                    reason=snapshot.correction_reason,
                    by=(user.get_full_name() or user.get_username()) if user else "",
                    at=snapshot.created_at,
                )
            )
    return rows
