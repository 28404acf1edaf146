"""Confidence-based performance estimation, tried on simulated spells where the truth is
known: outcomes drawn from calibrated probabilities."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from cockpit.estimation import (
    estimated_performance,
    expected_accuracy,
    expected_auc,
    realised_performance,
)

LEAVES = np.array([0.08, 0.15, 0.3, 0.45, 0.62, 0.8, 0.9])


def draw(seed, n=3000, shift=0.0):
    rng = np.random.default_rng(seed)
    p = rng.choice(LEAVES, size=n)
    truth = np.clip(p + shift, 0, 1)
    return p, (rng.random(n) < truth).astype(int)


def test_expected_auc_matches_the_realised_auc_of_calibrated_probabilities():
    gaps = []
    for seed in range(20):
        p, y = draw(seed)
        gaps.append(expected_auc(p) - roc_auc_score(y, p))
    assert abs(np.mean(gaps)) < 0.01  # unbiased
    assert max(abs(g) for g in gaps) < 0.04


def test_the_estimate_s_interval_covers_the_realised_figure_in_most_draws():
    covered_accuracy = covered_auc = 0
    for seed in range(40):
        p, y = draw(seed, n=800)
        estimate = estimated_performance(p, threshold=0.6, seed=seed)
        realised = realised_performance(y, p, threshold=0.6)
        low, high = estimate["accuracy_interval"]
        covered_accuracy += low <= realised["accuracy"] <= high
        low, high = estimate["auc_interval"]
        covered_auc += low <= realised["auc"] <= high
    assert covered_accuracy >= 34 and covered_auc >= 34  # about 95 % of 40


def test_when_the_model_is_miscalibrated_the_estimate_and_the_truth_part():
    p, y = draw(1, n=5000, shift=0.25)  # citizens fare far worse than the model says
    estimate = estimated_performance(p, threshold=0.6)
    realised = realised_performance(y, p, threshold=0.6)
    assert realised["accuracy"] < estimate["accuracy_interval"][0]


def test_expected_accuracy_by_hand():
    assert expected_accuracy([0.9, 0.2, 0.6], threshold=0.5) == pytest.approx((0.9 + 0.8 + 0.6) / 3)


def test_realised_figures_equal_scikit_learn_and_carry_intervals():
    p, y = draw(3, n=1200)
    result = realised_performance(y, p, threshold=0.6)
    assert result["auc"] == pytest.approx(roc_auc_score(y, p))
    assert result["accuracy"] == pytest.approx(np.mean((p >= 0.6) == y))
    assert result["majority_accuracy"] == pytest.approx(max(y.mean(), 1 - y.mean()))
    low, high = result["auc_interval"]
    assert low < result["auc"] < high and high - low < 0.1


def test_too_few_spells_give_no_figures_not_made_up_ones():
    assert estimated_performance([0.5], threshold=0.6)["accuracy"] is None
    assert realised_performance([1], [0.5], threshold=0.6)["auc"] is None
