"""How good a model is, overall and for each protected group.

Pure Python (numpy, pandas, scikit-learn, fairlearn): no Django, no database. The
numbers come from scikit-learn's metrics and fairlearn's ``MetricFrame``; only the
calibration table and the expected calibration error are computed here.

Conventions:

- ``y_true`` holds 0/1 (1 = still unemployed after 12 months), ``probability`` the
  model's probability of 1;
- a *positive prediction* means ``probability >= threshold``;
- a rate that is not defined for the data (the false positive rate when there are no
  negatives, the AUC when only one class occurs, ...) is ``None``, never a made-up 0;
- every result is plain Python (``int``, ``float``, ``None``, ``str``, ``dict``,
  ``list``) so it can go straight into JSON.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
)
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from prediction.bootstrap import (
    N_BOOT,
    SEED,
    interval_of,
    largest_gap_interval,
    resample_weights,
    weighted_auc,
    weighted_rates,
    wilson,
)

__all__ = [
    "MIN_GROUP_SIZE",
    "MISSING_GROUP",
    "GAP_METRICS",
    "INTERVAL_METRICS",
    "calibration_table",
    "classification_intervals",
    "classification_metrics",
    "expected_calibration_error",
    "group_metrics",
    "quality_gate",
]

#: Groups with fewer cases than this are reported but left out of the differences.
MIN_GROUP_SIZE = 30
#: The group label of records whose protected attribute is missing.
MISSING_GROUP = "missing"


def _arrays(y_true, probability) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(np.int8, copy=False).reshape(-1)
    p = np.asarray(probability, dtype=np.float64).reshape(-1)
    if len(y) != len(p):
        raise ValueError(f"y_true has {len(y)} values but probability has {len(p)}")
    return y, p


def _number(value: Any) -> float | None:
    """A float, or ``None`` for NaN / infinite / missing."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _auc(y: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """ROC AUC; NaN when only one class occurs (it is not defined then)."""
    if len(y) == 0 or np.all(y == y[0]):
        return math.nan
    return float(roc_auc_score(y, p, sample_weight=sample_weight))


def _fpr(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """fairlearn's false positive rate; NaN when there are no negatives (fairlearn
    would report 0)."""
    if not np.any(y == 0):
        return math.nan
    return float(false_positive_rate(y, predicted, pos_label=1, sample_weight=sample_weight))


def _fnr(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """fairlearn's false negative rate; NaN when there are no positives."""
    if not np.any(y == 1):
        return math.nan
    return float(false_negative_rate(y, predicted, pos_label=1, sample_weight=sample_weight))


def _bin_index(probability: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bins over [0, 1]; 1.0 falls in the last bin."""
    clipped = np.clip(probability, 0.0, 1.0)
    return np.minimum((clipped * bins).astype(np.int64), bins - 1)


def calibration_table(*, y_true, probability, bins: int = 10) -> list[dict]:
    """Predicted against observed, in ``bins`` equal-width probability bins.

    One row per non-empty bin: ``{bin_low, bin_high, n, mean_predicted, observed_rate}``
    (a bin holds ``bin_low <= probability < bin_high``; the last one includes 1.0).
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y, p = _arrays(y_true, probability)
    index = _bin_index(p, bins)
    counts = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=p, minlength=bins)
    observed = np.bincount(index, weights=y.astype(np.float64), minlength=bins)
    rows = []
    for b in np.flatnonzero(counts):
        n = int(counts[b])
        rows.append(
            {
                "bin_low": round(b / bins, 10),
                "bin_high": round((b + 1) / bins, 10),
                "n": n,
                "mean_predicted": float(predicted[b] / n),
                "observed_rate": float(observed[b] / n),
            }
        )
    return rows


def expected_calibration_error(*, y_true, probability, bins: int = 10) -> float:
    """The mean of ``|observed_rate - mean_predicted|`` over the bins of
    :func:`calibration_table`, weighted by the bins' case counts. 0 means the predicted
    probabilities match the observed rates exactly; NaN when there are no cases."""
    rows = calibration_table(y_true=y_true, probability=probability, bins=bins)
    total = sum(row["n"] for row in rows)
    if not total:
        return math.nan
    return float(
        sum(row["n"] * abs(row["observed_rate"] - row["mean_predicted"]) for row in rows) / total
    )


def classification_metrics(*, y_true, probability, threshold: float) -> dict:
    """Overall quality on one set of cases, at ``threshold``.

    Keys: ``n``, ``base_rate`` (share of 1s), ``threshold``, ``auc``, ``accuracy``,
    ``majority_accuracy`` (the accuracy of always guessing ``y_true``'s most common
    class: the trivial guess the model must beat), ``precision``, ``recall``, ``fpr``,
    ``fnr``, ``brier`` and ``ece`` (expected calibration error, 10 bins). Undefined
    values are ``None``.
    """
    y, p = _arrays(y_true, probability)
    n = len(y)
    result: dict[str, Any] = {
        "n": int(n),
        "base_rate": None,
        "threshold": float(threshold),
        "auc": None,
        "accuracy": None,
        "majority_accuracy": None,
        "precision": None,
        "recall": None,
        "fpr": None,
        "fnr": None,
        "brier": None,
        "ece": None,
    }
    if n == 0:
        return result
    predicted = (p >= threshold).astype(np.int8)
    base_rate = float(y.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined values are handled below
        precision = (
            precision_score(y, predicted, pos_label=1, zero_division=np.nan)
            if predicted.any()
            else math.nan
        )
        recall = recall_score(y, predicted, pos_label=1) if y.any() else math.nan
    result.update(
        base_rate=base_rate,
        auc=_number(_auc(y, p)),
        accuracy=float(accuracy_score(y, predicted)),
        majority_accuracy=max(base_rate, 1.0 - base_rate),
        precision=_number(precision),
        recall=_number(recall),
        fpr=_number(_fpr(y, predicted)),
        fnr=_number(_fnr(y, predicted)),
        brier=float(brier_score_loss(y, p, labels=[0, 1])),
        ece=_number(expected_calibration_error(y_true=y, probability=p)),
    )
    return result


def _group_labels(column: pd.Series) -> np.ndarray:
    """A protected attribute's values as text, ``"missing"`` where absent."""
    values = column.astype(object).to_numpy()
    labels = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            labels[index] = MISSING_GROUP
        else:
            labels[index] = str(value)
    return labels


def _compressed(labels: np.ndarray, y: np.ndarray, p: np.ndarray):
    """The distinct ``(group, y, probability)`` rows and how often each occurs.

    fairlearn's ``MetricFrame`` handles every row in Python, which takes seconds for a
    few hundred thousand cases; a tree predicts one probability per leaf, so the distinct
    rows are a few hundred. Every metric used here takes ``sample_weight``, and with the
    counts as weights gives exactly the result on the full data.
    """
    table = pd.DataFrame({"group": labels, "y": y, "p": p})
    counts = table.groupby(["group", "y", "p"], sort=True, dropna=False).size()
    index = counts.index
    return (
        index.get_level_values("group").to_numpy(dtype=object),
        index.get_level_values("y").to_numpy(dtype=np.int8),
        index.get_level_values("p").to_numpy(dtype=np.float64),
        counts.to_numpy(dtype=np.float64),
    )


def group_metrics(
    *,
    y_true,
    probability,
    threshold: float,
    protected: pd.DataFrame,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[dict, dict]:
    """Quality for each group of each protected attribute, and the gaps between groups.

    Returns ``(groups, differences)``:

    - ``groups``: ``{attribute: {value: {n, selection_rate, fpr, fnr, auc}}}``; records
      whose attribute is missing form the group ``"missing"``; a rate that is undefined
      for a group (``auc`` when the group has one outcome class, ``fpr`` without
      negatives, ``fnr`` without positives) is ``None``.
    - ``differences``: ``{attribute: {selection_rate, fpr, fnr, auc}}``, the largest
      difference between any two groups (fairlearn's ``MetricFrame.difference()``).
      Groups with fewer than ``MIN_GROUP_SIZE`` (30) cases are left out of the
      differences: their rates are too noisy to compare, and a tiny group would
      otherwise decide the headline number. A difference is ``None`` when fewer than two
      groups are large enough (or the rate is undefined in all but one of them).

    ``selection_rate`` is the share of the group predicted positive
    (``probability >= threshold``).

    Every metric ``m`` in a group and in a difference has a 95 % interval beside it,
    ``f"{m}_interval"``: ``[low, high]`` or ``None`` (undefined, or ``n_boot=0``). It is
    a bootstrap stratified by group (each group keeps its size; ``n_boot`` resamples,
    ``seed`` fixed; see ``prediction.bootstrap``): a group's is the percentile interval;
    a difference's holds the largest true gap between the same large groups, from
    pairwise intervals that hold together (``bootstrap.largest_gap_interval``: a largest
    observed gap is biased upwards, the more so the more groups there are).
    """
    y, p = _arrays(y_true, probability)
    if len(protected) != len(y):
        raise ValueError(f"protected has {len(protected)} rows but y_true has {len(y)}")

    def at_threshold(function):
        def metric(y_, p_, sample_weight):
            return function(np.asarray(y_), np.asarray(p_) >= threshold, sample_weight)

        return metric

    def rate(y_, predicted, sample_weight):
        return float(selection_rate(y_, predicted, pos_label=1, sample_weight=sample_weight))

    metrics = {
        "selection_rate": at_threshold(rate),
        "fpr": at_threshold(_fpr),
        "fnr": at_threshold(_fnr),
        "auc": lambda y_, p_, sample_weight: _auc(np.asarray(y_), np.asarray(p_), sample_weight),
    }

    def metric_frame(labels, y_, p_, weights) -> MetricFrame:
        return MetricFrame(
            metrics=metrics,
            y_true=y_,
            y_pred=p_,
            sensitive_features=pd.Series(labels, name="group", dtype=object),
            sample_params={name: {"sample_weight": weights} for name in metrics},
        )

    groups: dict[str, dict] = {}
    differences: dict[str, dict] = {}
    for attribute in protected.columns:
        name = str(attribute)
        groups[name] = {}
        differences[name] = dict.fromkeys([*metrics, *(f"{m}_interval" for m in metrics)])
        if len(y) == 0:
            continue
        labels, y_c, p_c, weights = _compressed(_group_labels(protected[attribute]), y, p)
        sizes = pd.Series(weights).groupby(labels, sort=False).sum()
        frame = metric_frame(labels, y_c, p_c, weights)
        by_group = frame.by_group
        samples = _group_samples(labels, y_c, p_c, weights, threshold, n_boot, seed)
        for value, row in by_group.iterrows():
            groups[name][str(value)] = {
                "n": int(sizes[value]),
                **{metric: _number(row[metric]) for metric in metrics},
            }
            for metric in metrics:
                groups[name][str(value)][f"{metric}_interval"] = (
                    interval_of(samples[value][metric]) if samples else None
                )
        large = [value for value in by_group.index if sizes[value] >= MIN_GROUP_SIZE]
        if len(large) < 2:
            continue
        if len(large) < len(by_group):
            keep = np.isin(labels, np.asarray(large, dtype=object))
            frame = metric_frame(labels[keep], y_c[keep], p_c[keep], weights[keep])
        defined = frame.by_group.notna().sum()
        gaps = frame.difference()
        differences[name].update(
            {metric: _number(gaps[metric]) if defined[metric] >= 2 else None for metric in metrics}
        )
        for metric in metrics:
            interval = None
            if samples and differences[name][metric] is not None:
                interval = largest_gap_interval(
                    [groups[name][str(value)][metric] for value in large],
                    [samples[value][metric] for value in large],
                )
            differences[name][f"{metric}_interval"] = interval
    return groups, differences


def _group_samples(labels, y, p, weights, threshold, n_boot, seed) -> dict:
    """``{group: {metric: resampled values}}`` of the compressed rows, resampled within
    each group; empty when ``n_boot`` is 0."""
    if not n_boot:
        return {}
    rng = np.random.default_rng(seed)
    resampled = resample_weights(strata=labels, counts=weights, n_boot=n_boot, rng=rng)
    y = y.astype(np.float64)
    result = {}
    for value in pd.unique(labels):
        columns = labels == value
        w, y_g, p_g = resampled[:, columns], y[columns], p[columns]
        rates = weighted_rates(w, y_g, p_g, threshold=threshold)
        result[value] = {
            "selection_rate": rates["selection_rate"],
            "fpr": rates["fpr"],
            "fnr": rates["fnr"],
            "auc": weighted_auc(w, y_g, p_g),
        }
    return result


#: The overall figures that carry an interval (``f"{name}_interval"``).
INTERVAL_METRICS = ("auc", "accuracy", "majority_accuracy", "base_rate", "brier", "ece")
#: The group gaps the quality gate checks against its threshold.
GAP_METRICS = ("fpr", "fnr")


def classification_intervals(
    *, y_true, probability, threshold: float, n_boot: int = N_BOOT, seed: int = SEED
) -> dict:
    """95 % intervals for :func:`classification_metrics`' figures: for each name in
    ``INTERVAL_METRICS`` a key ``f"{name}_interval"`` holding ``[low, high]`` or
    ``None``, plus ``interval_method`` (a short description) and ``n_boot``.

    AUC, accuracy, Brier score and calibration error: the percentile bootstrap with
    ``n_boot`` resamples, stratified by outcome, ``seed`` fixed. The base rate and the
    majority guess's accuracy do not vary under that resampling; theirs is the Wilson
    score interval of the observed share.
    """
    y, p = _arrays(y_true, probability)
    result: dict[str, Any] = {f"{name}_interval": None for name in INTERVAL_METRICS}
    result["n_boot"] = int(n_boot)
    result["interval_method"] = (
        f"stratified bootstrap ({n_boot} resamples within each outcome class, seed {seed}, "
        "percentile interval); Wilson score interval for the base rate and the majority guess"
    )
    n = len(y)
    if n == 0:
        return result
    positives = float(y.sum())
    base = wilson(positives, n)
    result["base_rate_interval"] = base
    majority = wilson(max(positives, n - positives), n)
    result["majority_accuracy_interval"] = majority
    if not n_boot:
        return result
    labels, y_c, p_c, weights = _compressed(np.full(n, "all", dtype=object), y, p)
    rng = np.random.default_rng(seed)
    resampled = resample_weights(strata=y_c, counts=weights, n_boot=n_boot, rng=rng)
    y_f = y_c.astype(np.float64)
    rates = weighted_rates(resampled, y_f, p_c, threshold=threshold)
    result["auc_interval"] = interval_of(weighted_auc(resampled, y_f, p_c))
    for name in ("accuracy", "brier", "ece"):
        result[f"{name}_interval"] = interval_of(rates[name])
    return result


def _reason(code: str, text_da: str, text_en: str) -> dict:
    return {"code": code, "text_da": text_da, "text_en": text_en}


def _pct(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",")


def quality_gate(*, metrics: dict, differences: dict | None, gap_threshold: float) -> dict:
    """Is a version better than a guess, and are its group gaps acceptable?

    ``metrics`` is a model card's ``metrics`` (with or without intervals: an old version
    has none), ``differences`` its ``group_differences``. Returns::

        {"passed": bool,
         "better_than_guess": bool,      # False: never shown as if it were
         "intervals": bool,              # False: computed without intervals (old version)
         "reasons": [{"code", "text_da", "text_en"}, ...]}

    A version is *not better than a guess* (codes ``auc_undefined``,
    ``auc_interval_includes_half``, ``auc_not_above_half``,
    ``accuracy_not_above_majority``) when its AUC is undefined, when the AUC's interval
    includes 0.5 (without an interval: when the AUC itself is 0.5 or less), or when its
    accuracy at the band threshold is not above the majority guess's. A protected
    attribute's FPR or FNR gap whose interval lies wholly above ``gap_threshold``
    (without an interval: the gap itself) fails the gate too (code ``gap_above_threshold``)
    but leaves ``better_than_guess`` alone. ``passed`` is ``not reasons``.
    """
    metrics = metrics or {}
    reasons: list[dict] = []
    auc = metrics.get("auc")
    interval = metrics.get("auc_interval")
    has_intervals = interval is not None or "auc_interval" in metrics
    if auc is None:
        reasons.append(
            _reason(
                "auc_undefined",
                "Modellens evne til at skelne (AUC) kunne ikke måles på testdelen.",
                "The model's ability to discriminate (AUC) could not be measured on the test part.",
            )
        )
    elif interval is not None and interval[0] <= 0.5 <= interval[1]:
        reasons.append(
            _reason(
                "auc_interval_includes_half",
                f"AUC er {auc:.2f}, men usikkerhedsintervallet ({interval[0]:.2f}–"
                f"{interval[1]:.2f}) rummer 0,50: modellen skelner måske ikke bedre end "
                "et tilfældigt gæt.",
                f"The AUC is {auc:.2f}, but its interval ({interval[0]:.2f}–"
                f"{interval[1]:.2f}) includes 0.50: the model may rank no better than a "
                "coin toss.",
            )
        )
    elif auc <= 0.5 or (interval is not None and interval[1] < 0.5):
        reasons.append(
            _reason(
                "auc_not_above_half",
                f"AUC er {auc:.2f}: modellen skelner ikke bedre end et tilfældigt gæt.",
                f"The AUC is {auc:.2f}: the model ranks no better than a coin toss.",
            )
        )
    accuracy, majority = metrics.get("accuracy"), metrics.get("majority_accuracy")
    if accuracy is not None and majority is not None and accuracy <= majority:
        reasons.append(
            _reason(
                "accuracy_not_above_majority",
                f"Modellen rammer rigtigt i {_pct(accuracy)} % af testtilfældene; at gætte "
                f"på det mest almindelige udfald hver gang rammer {_pct(majority)} %.",
                f"The model is right in {100 * accuracy:.1f} % of the test cases; always "
                f"guessing the most common outcome is right in {100 * majority:.1f} %.",
            )
        )
    better = not reasons
    for attribute, gaps in sorted((differences or {}).items()):
        for metric in GAP_METRICS:
            gap = (gaps or {}).get(metric)
            if gap is None:
                continue
            gap_interval = (gaps or {}).get(f"{metric}_interval")
            low = gap_interval[0] if gap_interval is not None else gap
            if low > gap_threshold:
                label = metric.upper()
                reasons.append(
                    _reason(
                        "gap_above_threshold",
                        f"Forskellen i {label} mellem grupperne for {attribute} er "
                        f"{_pct(gap)} procentpoint, og hele usikkerhedsintervallet ligger over "
                        f"grænsen på {_pct(gap_threshold)} procentpoint.",
                        f"The {label} gap between the groups of {attribute} is "
                        f"{100 * gap:.1f} points, and its whole interval lies above the "
                        f"threshold of {100 * gap_threshold:.1f} points.",
                    )
                    | {"attribute": str(attribute), "metric": metric}
                )
    return {
        "passed": not reasons,
        "better_than_guess": better,
        "intervals": has_intervals,
        "reasons": reasons,
    }
