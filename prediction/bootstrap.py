"""95 % intervals for the quality figures: a stratified bootstrap, vectorised.

Pure numpy/scipy: no Django. The held-out cases are compressed to their distinct
``(stratum, outcome, probability)`` rows with a count each (a tree predicts one
probability per leaf, so a few thousand test cases are a few dozen rows). Resampling the
cases of a stratum with replacement is the same as drawing the counts of its distinct
rows from a multinomial distribution, so all ``n_boot`` resamples are drawn in one call
per stratum as a ``(n_boot, rows)`` matrix of weights, and every figure is computed for
all resamples at once by matrix products. The interval is the 2.5 % and 97.5 % quantiles
of a figure over the resamples (the percentile bootstrap).

Why not fairlearn's own bootstrap (``MetricFrame(n_boot=...)``): it resamples the full
rows one ``DataFrame.sample`` and one ``MetricFrame`` at a time in Python, cannot
stratify, and cannot resample the compressed weighted rows that keep training fast (a
weighted row would be drawn as one case). The figures here are the same ones
scikit-learn and fairlearn compute (the tests check the point values agree).

Strata: the overall figures are resampled within each outcome class (the test part's
share of each outcome stays as observed, so both classes are always present and the AUC
is always defined); the group figures within each group of the protected attribute (each
group keeps its size). The majority guess's accuracy and the base rate do not vary under
a resampling that keeps the outcome shares, so their interval is the Wilson score
interval of the observed share instead.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.stats import norm

__all__ = [
    "CI_LEVEL",
    "N_BOOT",
    "SEED",
    "interval_of",
    "largest_gap_interval",
    "resample_weights",
    "weighted_auc",
    "weighted_rates",
    "wilson",
]

#: Bootstrap resamples for every interval (documented on the model card and in
#: docs/model.md).
N_BOOT = 1000
#: The fixed seed, so the same test part always gives the same intervals.
SEED = 2026
#: The intervals' coverage.
CI_LEVEL = 0.95
#: A figure undefined in more than this share of the resamples gets no interval.
MAX_UNDEFINED_SHARE = 0.5


def resample_weights(
    *, strata: np.ndarray, counts: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """A ``(n_boot, len(counts))`` matrix: in each row, each stratum's cases resampled
    with replacement, as new counts of its distinct rows."""
    weights = np.zeros((n_boot, len(counts)), dtype=np.float64)
    for stratum in np.unique(strata):
        columns = np.flatnonzero(strata == stratum)
        total = int(round(counts[columns].sum()))
        if total == 0:
            continue
        shares = counts[columns] / counts[columns].sum()
        weights[:, columns] = rng.multinomial(total, shares, size=n_boot)
    return weights


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def weighted_auc(weights: np.ndarray, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ROC AUC (ties count half) for every row of ``weights``; NaN where a resample has
    only one outcome class. Rows are grouped by distinct probability with a sparse
    indicator matrix, then the Mann-Whitney sum runs over the groups."""
    if weights.shape[1] == 0:
        return np.full(weights.shape[0], np.nan)
    values, group = np.unique(p, return_inverse=True)
    indicator = sparse.csr_matrix(
        (np.ones(len(p)), (np.arange(len(p)), group)), shape=(len(p), len(values))
    )
    positive = np.asarray((indicator.T @ (weights * (y == 1)).T).T)
    negative = np.asarray((indicator.T @ (weights * (y == 0)).T).T)
    higher = positive[:, ::-1].cumsum(axis=1)[:, ::-1] - positive
    pairs = (negative * (higher + positive / 2.0)).sum(axis=1)
    return _ratio(pairs, positive.sum(axis=1) * negative.sum(axis=1))


def weighted_rates(
    weights: np.ndarray, y: np.ndarray, p: np.ndarray, *, threshold: float, bins: int = 10
) -> dict[str, np.ndarray]:
    """Accuracy, selection rate, FPR, FNR, Brier score and expected calibration error
    (``bins`` equal-width bins, as ``metrics.expected_calibration_error``) for every row
    of ``weights``; NaN where undefined."""
    predicted = p >= threshold
    positive, negative = y == 1, y == 0
    total = weights.sum(axis=1)
    index = np.minimum((np.clip(p, 0.0, 1.0) * bins).astype(np.int64), bins - 1)
    onehot = np.zeros((len(p), bins))
    onehot[np.arange(len(p)), index] = 1.0
    gap = np.abs(weights @ (onehot * y[:, None]) - weights @ (onehot * p[:, None]))
    return {
        "accuracy": _ratio(weights @ (predicted == positive).astype(np.float64), total),
        "selection_rate": _ratio(weights @ predicted.astype(np.float64), total),
        "fpr": _ratio(weights @ (predicted & negative), weights @ negative.astype(np.float64)),
        "fnr": _ratio(weights @ (~predicted & positive), weights @ positive.astype(np.float64)),
        "brier": _ratio(weights @ (p - y) ** 2, total),
        "ece": _ratio(gap.sum(axis=1), total),
    }


def interval_of(samples: np.ndarray, level: float = CI_LEVEL) -> list[float] | None:
    """The percentile interval ``[low, high]`` of a figure's resampled values; ``None``
    when the figure is undefined in most resamples."""
    samples = np.asarray(samples, dtype=np.float64)
    defined = samples[np.isfinite(samples)]
    if len(samples) == 0 or len(defined) < (1.0 - MAX_UNDEFINED_SHARE) * len(samples):
        return None
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return [float(low), float(high)]


def largest_gap_interval(
    points: list[float | None], samples: list[np.ndarray], level: float = CI_LEVEL
) -> list[float] | None:
    """An interval for the largest difference between any two groups.

    The largest observed gap is biased upwards (the most extreme pair of noisy groups
    is picked), and so is its resampled value, so its percentile interval would lie
    above the true gap even when the groups do not differ at all. Instead, each pair of
    groups gets a normal interval ``d +/- z x se`` for its difference ``d``, with the
    standard error ``se`` from the same resamples and ``z`` Bonferroni-corrected for the
    number of pairs, so that all pairs' intervals hold together with probability
    ``level``; the largest true gap then lies between the largest lower end (at least
    0) and the largest upper end. With two groups this is the usual interval of their
    difference."""
    defined = [
        (point, np.asarray(sample, dtype=np.float64))
        for point, sample in zip(points, samples, strict=True)
        if point is not None and math.isfinite(point)
    ]
    pairs = []
    for i, (point_i, sample_i) in enumerate(defined):
        for point_j, sample_j in defined[i + 1 :]:
            difference = sample_i - sample_j
            finite = difference[np.isfinite(difference)]
            if len(finite) < 2 or len(finite) < (1.0 - MAX_UNDEFINED_SHARE) * len(difference):
                return None
            pairs.append((point_i - point_j, float(np.std(finite, ddof=1))))
    if not pairs:
        return None
    z = float(norm.ppf(1.0 - (1.0 - level) / (2.0 * len(pairs))))
    low = max(max(abs(d) - z * se, 0.0) for d, se in pairs)
    high = min(max(abs(d) + z * se for d, se in pairs), 1.0)
    return [float(low), float(high)]


def wilson(positives: float, n: float, z: float = 1.959963984540054) -> list[float] | None:
    """The Wilson score interval of ``positives`` out of ``n``; ``None`` without cases."""
    if n <= 0:
        return None
    share = positives / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (share + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(share * (1.0 - share) / n + z2 / (4.0 * n * n)) / denominator
    return [max(0.0, centre - half), min(1.0, centre + half)]
