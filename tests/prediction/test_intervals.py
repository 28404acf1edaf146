"""Intervals on the quality figures and the quality gate, on synthetic histories where
the truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from prediction.bootstrap import weighted_auc, weighted_rates
from prediction.metrics import (
    classification_intervals,
    classification_metrics,
    group_metrics,
    quality_gate,
)


def _tree_like(rng, n, signal):
    """``n`` cases scored by a tree-like model with 8 leaves; ``signal`` 0 means the
    outcome is independent of the score."""
    leaf = rng.integers(0, 8, size=n)
    p = 0.2 + 0.6 * leaf / 7
    truth = 0.4 + signal * (p - 0.5)
    y = (rng.random(n) < truth).astype(int)
    return y, p


def test_weighted_figures_equal_sklearns_with_unit_weights():
    rng = np.random.default_rng(1)
    y, p = _tree_like(rng, 300, 1.0)
    w = np.ones((1, len(y)))
    m = classification_metrics(y_true=y, probability=p, threshold=0.6)
    assert weighted_auc(w, y.astype(float), p)[0] == pytest.approx(roc_auc_score(y, p))
    rates = weighted_rates(w, y.astype(float), p, threshold=0.6)
    for name in ("accuracy", "fpr", "fnr", "brier", "ece"):
        assert rates[name][0] == pytest.approx(m[name]), name


def test_intervals_surround_the_figure():
    rng = np.random.default_rng(2)
    y, p = _tree_like(rng, 500, 1.0)
    m = classification_metrics(y_true=y, probability=p, threshold=0.6)
    intervals = classification_intervals(y_true=y, probability=p, threshold=0.6, n_boot=300)
    for name in ("auc", "accuracy", "majority_accuracy", "base_rate", "brier", "ece"):
        low, high = intervals[f"{name}_interval"]
        assert low <= high
        if name != "ece":  # the ECE's bootstrap is biased upwards; its interval may not
            assert low <= m[name] <= high, name
    assert intervals["n_boot"] == 300
    assert "bootstrap" in intervals["interval_method"]


def test_intervals_are_reproducible():
    rng = np.random.default_rng(3)
    y, p = _tree_like(rng, 200, 1.0)
    first = classification_intervals(y_true=y, probability=p, threshold=0.6, n_boot=100)
    second = classification_intervals(y_true=y, probability=p, threshold=0.6, n_boot=100)
    assert first == second


def test_no_resamples_no_bootstrap_intervals():
    y, p = _tree_like(np.random.default_rng(4), 100, 1.0)
    intervals = classification_intervals(y_true=y, probability=p, threshold=0.6, n_boot=0)
    assert intervals["auc_interval"] is None
    assert intervals["base_rate_interval"] is not None


def _gate(y, p):
    metrics = classification_metrics(y_true=y, probability=p, threshold=0.6)
    metrics |= classification_intervals(y_true=y, probability=p, threshold=0.6, n_boot=500)
    return quality_gate(metrics=metrics, differences={}, gap_threshold=0.1)


def test_gate_says_no_signal_is_not_better_than_a_guess():
    y, p = _tree_like(np.random.default_rng(5), 180, 0.0)
    gate = _gate(y, p)
    assert gate["passed"] is False
    assert gate["better_than_guess"] is False
    codes = {reason["code"] for reason in gate["reasons"]}
    assert codes & {"auc_interval_includes_half", "accuracy_not_above_majority"}
    assert all(reason["text_da"] and reason["text_en"] for reason in gate["reasons"])


def test_gate_passes_a_strong_signal():
    y, p = _tree_like(np.random.default_rng(6), 2000, 1.6)
    gate = _gate(y, p)
    assert gate == {"passed": True, "better_than_guess": True, "intervals": True, "reasons": []}


def test_gate_copes_with_an_old_version_without_intervals():
    gate = quality_gate(
        metrics={"auc": 0.71, "accuracy": 0.8, "majority_accuracy": 0.7},
        differences={"gender": {"fpr": 0.02, "fnr": None}},
        gap_threshold=0.1,
    )
    assert gate["passed"] is True and gate["intervals"] is False
    old_bad = quality_gate(
        metrics={"auc": 0.49, "accuracy": 0.6, "majority_accuracy": 0.7},
        differences=None,
        gap_threshold=0.1,
    )
    assert not old_bad["better_than_guess"]
    assert quality_gate(metrics={}, differences=None, gap_threshold=0.1)["passed"] is False


def test_gate_blocks_a_gap_wholly_above_the_threshold_only():
    metrics = {"auc": 0.8, "auc_interval": [0.75, 0.85], "accuracy": 0.8, "majority_accuracy": 0.6}
    wide = {"origin": {"fpr": 0.15, "fpr_interval": [0.05, 0.25]}}
    above = {"origin": {"fpr": 0.15, "fpr_interval": [0.12, 0.18]}}
    assert quality_gate(metrics=metrics, differences=wide, gap_threshold=0.1)["passed"]
    gate = quality_gate(metrics=metrics, differences=above, gap_threshold=0.1)
    assert not gate["passed"] and gate["better_than_guess"]
    assert gate["reasons"][0]["code"] == "gap_above_threshold"
    assert gate["reasons"][0]["attribute"] == "origin"


def test_group_metrics_carry_intervals_in_the_contracted_shape():
    rng = np.random.default_rng(7)
    y, p = _tree_like(rng, 600, 1.0)
    protected = pd.DataFrame({"gender": rng.choice(["female", "male"], size=600)})
    groups, differences = group_metrics(
        y_true=y, probability=p, threshold=0.6, protected=protected, n_boot=200
    )
    for metric in ("selection_rate", "fpr", "fnr", "auc"):
        low, high = differences["gender"][f"{metric}_interval"]
        assert isinstance(low, float) and low <= high
        for value in ("female", "male"):
            row = groups["gender"][value]
            assert row[f"{metric}_interval"][0] <= row[metric] <= row[f"{metric}_interval"][1]


def test_group_metrics_without_resamples_have_none_intervals():
    y, p = _tree_like(np.random.default_rng(8), 200, 1.0)
    protected = pd.DataFrame({"gender": ["f", "m"] * 100})
    groups, differences = group_metrics(
        y_true=y, probability=p, threshold=0.6, protected=protected, n_boot=0
    )
    assert differences["gender"]["fpr_interval"] is None
    assert groups["gender"]["f"]["auc_interval"] is None


def test_gap_interval_covers_the_true_gap_in_at_least_90_percent_of_draws():
    """The selection rate of group a is 0.3 and of group b 0.5 by construction; over
    many seeded draws of a small test part, the 95 % interval of the gap must cover the
    true gap 0.2 at least 90 % of the time."""
    draws, covered, n = 200, 0, 300
    for seed in range(draws):
        rng = np.random.default_rng(1000 + seed)
        group = np.repeat(["a", "b"], n // 2)
        share = np.where(group == "a", 0.3, 0.5)
        p = np.where(rng.random(n) < share, 0.7, 0.2)
        y = (rng.random(n) < p).astype(int)
        _, differences = group_metrics(
            y_true=y,
            probability=p,
            threshold=0.6,
            protected=pd.DataFrame({"g": group}),
            n_boot=200,
            seed=seed,
        )
        low, high = differences["g"]["selection_rate_interval"]
        covered += low <= 0.2 <= high
    assert covered / draws >= 0.90
