"""A version beside the active one: every figure of the two model cards, and the
difference, for whoever approves or activates it. Pure functions on the versions'
stored metrics and model cards; no database access."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# (key, label, kind): kind "rate" (a share: shown in %, differences in points),
# "score" (a number with three decimals), "count" (a whole number).
# ``lower_is_better`` marks figures where a fall is an improvement.
_METRICS = (
    ("auc", gettext_lazy("AUC (evne til at rangordne)"), "score", False),
    ("reference_auc", gettext_lazy("AUC for referencemodellen"), "score", False),
    ("auc_gap", gettext_lazy("Hvad gennemskueligheden koster (AUC)"), "score", True),
    ("accuracy", gettext_lazy("Andel rigtige ved tærsklen"), "rate", False),
    ("majority_accuracy", gettext_lazy("Andel rigtige ved trivielt gæt"), "rate", False),
    ("precision", gettext_lazy("Præcision"), "rate", False),
    ("recall", gettext_lazy("Sensitivitet"), "rate", False),
    ("fpr", gettext_lazy("Falsk positiv-rate (FPR)"), "rate", True),
    ("fnr", gettext_lazy("Falsk negativ-rate (FNR)"), "rate", True),
    ("brier", gettext_lazy("Brier-score"), "score", True),
    ("ece", gettext_lazy("Kalibreringsfejl (ECE)"), "score", True),
    ("n", gettext_lazy("Testsager"), "count", None),
    ("base_rate", gettext_lazy("Basisrate i testdata"), "rate", None),
    ("n_train", gettext_lazy("Sager til træning"), "count", None),
    ("depth", gettext_lazy("Træets dybde"), "count", None),
    ("leaves", gettext_lazy("Antal blade (regler)"), "count", None),
)
_GROUP_METRICS = (
    ("selection_rate", gettext_lazy("udvælgelsesrate"), "rate"),
    ("fpr", gettext_lazy("FPR"), "rate"),
    ("fnr", gettext_lazy("FNR"), "rate"),
    ("auc", gettext_lazy("AUC"), "score"),
)


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    candidate: str
    active: str
    difference: str
    verdict: str  # "better", "worse", "same" or "" (no direction)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _shown(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "rate":
        return f"{number_format(round(value * 100, 1), 1)} %"
    if kind == "count":
        return number_format(round(value), 0, force_grouping=True)
    return number_format(round(value, 3), 3)


def _difference(candidate: float | None, active: float | None, kind: str) -> str:
    if candidate is None or active is None:
        return "–"
    delta = candidate - active
    if kind == "rate":
        text = number_format(round(delta * 100, 1), 1)
        return _("%(value)s pct.-point") % {"value": _signed(text, delta)}
    if kind == "count":
        return _signed(number_format(round(delta), 0, force_grouping=True), delta)
    return _signed(number_format(round(delta, 3), 3), delta)


def _signed(text: str, delta: float) -> str:
    """``+1,2``, ``−1,2`` or ``±0`` (a difference that rounds away)."""
    if set(text) <= set("0,.-\u00a0 "):
        return "±0"
    return f"+{text}" if delta > 0 else text.replace("-", "−")


def _verdict(candidate, active, lower_is_better) -> str:
    if lower_is_better is None or candidate is None or active is None:
        return ""
    if math.isclose(candidate, active, abs_tol=1e-9):
        return "same"
    better = candidate < active if lower_is_better else candidate > active
    return "better" if better else "worse"


def _figures(version) -> dict:
    card = version.model_card or {}
    metrics = card.get("metrics") or version.metrics or {}
    reference = card.get("reference") or {}
    data = card.get("data") or {}
    tree = card.get("tree") or {}
    return metrics | {
        "reference_auc": reference.get("auc"),
        "auc_gap": reference.get("auc_gap"),
        "n_train": data.get("n_train", version.n_train),
        "depth": tree.get("depth"),
        "leaves": tree.get("leaves"),
    }


def model_comparison(*, candidate, active, group_labels: dict | None = None) -> list[ComparisonRow]:
    """Every figure of ``candidate``'s card beside ``active``'s, with the difference
    (candidate minus active) and whether it is better or worse where that has a
    direction; the largest difference between groups for each protected attribute."""
    group_labels = group_labels or {}
    mine, theirs = _figures(candidate), _figures(active)
    rows = []
    for key, label, kind, lower_is_better in _METRICS:
        a, b = _number(mine.get(key)), _number(theirs.get(key))
        if a is None and b is None:
            continue
        rows.append(
            ComparisonRow(
                label=str(label),
                candidate=_shown(a, kind),
                active=_shown(b, kind),
                difference=_difference(a, b, kind),
                verdict=_verdict(a, b, lower_is_better),
            )
        )
    my_gaps = (candidate.model_card or {}).get("group_differences") or {}
    their_gaps = (active.model_card or {}).get("group_differences") or {}
    for attribute in sorted(set(my_gaps) | set(their_gaps)):
        for key, metric_label, kind in _GROUP_METRICS:
            a = _number((my_gaps.get(attribute) or {}).get(key))
            b = _number((their_gaps.get(attribute) or {}).get(key))
            if a is None and b is None:
                continue
            rows.append(
                ComparisonRow(
                    label=_("Største forskel mellem grupper, %(attribute)s: %(metric)s")
                    % {
                        "attribute": group_labels.get(attribute) or attribute,
                        "metric": metric_label,
                    },
                    candidate=_shown(a, kind),
                    active=_shown(b, kind),
                    difference=_difference(a, b, kind),
                    verdict=_verdict(a, b, True),
                )
            )
    return rows
