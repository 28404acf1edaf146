"""Has the population changed since the model was trained? The population stability
index (PSI) of every model input, training data against the citizens scored now.

PSI = sum over bins of (actual share - expected share) x ln(actual share / expected
share). Numeric inputs are binned at the training data's quantiles; categorical and
boolean inputs count each value; a missing value is always a bin of its own, so a rise
in missing data shows as drift too. Usual reading: below 0.1 stable, 0.1 to 0.25 a
moderate shift, from 0.25 a significant one.

The module is pure (numpy and pandas, no Django, no database).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from prediction.specification import Feature, Specification

__all__ = ["EPSILON", "drift_report", "drift_status", "population_stability_index"]

EPSILON = 1e-4  # the share given to an empty bin, so the logarithm stays finite
MODERATE = 0.1
SIGNIFICANT = 0.25

_MISSING = object()  # the bin of missing values in a categorical count


def population_stability_index(*, expected, actual, kind: str, bins: int = 10) -> float:
    """The PSI of ``actual`` against ``expected`` (any 1-d array-likes; None / NaN is
    missing). ``kind``: ``numeric`` (quantile bins of ``expected``) or ``categorical`` /
    ``boolean`` (one bin per value). NaN when either sample is empty."""
    expected = pd.Series(np.asarray(expected, dtype=object) if _is_list(expected) else expected)
    actual = pd.Series(np.asarray(actual, dtype=object) if _is_list(actual) else actual)
    if len(expected) == 0 or len(actual) == 0:
        return math.nan
    if kind == "numeric":
        expected_shares, actual_shares = _numeric_shares(expected, actual, bins)
    elif kind in ("categorical", "boolean"):
        expected_shares, actual_shares = _value_shares(expected, actual)
    else:
        raise ValueError(f"kind must be numeric, categorical or boolean, got {kind!r}")
    e = np.maximum(expected_shares, EPSILON)
    a = np.maximum(actual_shares, EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def _is_list(values) -> bool:
    return isinstance(values, list | tuple)


def _numeric_shares(expected: pd.Series, actual: pd.Series, bins: int):
    e = pd.to_numeric(expected, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    a = pd.to_numeric(actual, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    present = e[~np.isnan(e)]
    if len(present):
        quantiles = np.linspace(0.0, 1.0, max(int(bins), 1) + 1)[1:-1]
        edges = np.unique(np.quantile(present, quantiles))
    else:
        edges = np.empty(0)
    # Bin i holds edges[i-1] < x <= edges[i]; the last bin is open above; then missing.
    return _bin_shares(e, edges), _bin_shares(a, edges)


def _bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    index = np.searchsorted(edges, values[~missing], side="left")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    counts = np.append(counts, float(missing.sum()))
    return counts / len(values)


def _value_shares(expected: pd.Series, actual: pd.Series):
    e_counts = _value_counts(expected)
    a_counts = _value_counts(actual)
    keys = list(e_counts) + [key for key in a_counts if key not in e_counts]
    e = np.array([e_counts.get(key, 0) for key in keys], dtype=np.float64)
    a = np.array([a_counts.get(key, 0) for key in keys], dtype=np.float64)
    return e / len(expected), a / len(actual)


def _value_counts(values: pd.Series) -> dict:
    counts: dict = {}
    for value, count in values.value_counts(dropna=False).items():
        key = _MISSING if _is_missing(value) else value
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def drift_status(psi: float) -> str:
    """``stable`` below 0.1, ``moderate`` below 0.25, else ``significant``; ``unknown``
    when the PSI could not be computed (NaN: no data on one side)."""
    if psi != psi:
        return "unknown"
    if psi < MODERATE:
        return "stable"
    if psi < SIGNIFICANT:
        return "moderate"
    return "significant"


def drift_report(
    *, specification: Specification, training_inputs: pd.DataFrame, current_inputs: pd.DataFrame
) -> dict[str, dict]:
    """The PSI of every model input (never a protected attribute), keyed by input name:
    ``{"psi", "status", "label_da", "label_en"}``. A column that a frame lacks counts as
    missing throughout. Values are normalised through the specification first, so
    ``"ja"`` and ``True`` are the same boolean.

    When either frame has no rows nothing can be compared: ``psi`` is 0.0 (never NaN, so
    the report stays valid JSON and ``max`` works) and ``status`` is ``"unknown"``."""
    report: dict[str, dict] = {}
    for feature in specification.inputs:
        expected = _column(training_inputs, feature)
        actual = _column(current_inputs, feature)
        psi = population_stability_index(expected=expected, actual=actual, kind=feature.type)
        report[feature.name] = {
            "psi": 0.0 if math.isnan(psi) else psi,
            "status": drift_status(psi),
            "label_da": feature.label_da,
            "label_en": feature.label_en,
        }
    return report


def _column(frame: pd.DataFrame, feature: Feature) -> pd.Series:
    if feature.name not in frame.columns:
        return pd.Series([None] * len(frame), dtype=object)
    column = frame[feature.name]
    if feature.type == "numeric":
        return column
    # Normalise each distinct value once (not each row): "JA", "ja" and True agree.
    values = column.astype(object)
    mapping = {}
    for value in pd.unique(values):
        if _is_missing(value):
            continue
        try:
            mapping[value] = feature.parse_value(value)
        except ValueError:
            mapping[value] = value  # an unreadable value is its own bin
    return values.map(mapping).astype(object)
