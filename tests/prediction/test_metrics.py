"""Tests for the quality metrics, against small hand-checked examples."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from prediction.metrics import (
    MIN_GROUP_SIZE,
    calibration_table,
    classification_metrics,
    expected_calibration_error,
    group_metrics,
)

# Ten cases: 3 positives. Predicted positive (p >= 0.5): cases 0, 1, 3, 6.
Y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
P = np.array([0.9, 0.6, 0.4, 0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1])


def test_classification_metrics_by_hand():
    m = classification_metrics(y_true=Y, probability=P, threshold=0.5)
    assert m["n"] == 10
    assert m["threshold"] == 0.5
    assert m["base_rate"] == pytest.approx(0.3)
    # TP = 2 (0, 1), FN = 1 (2), FP = 2 (3, 6), TN = 5.
    assert m["accuracy"] == pytest.approx(0.7)
    assert m["majority_accuracy"] == pytest.approx(0.7)  # always "no": 7 of 10
    assert m["precision"] == pytest.approx(2 / 4)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["fpr"] == pytest.approx(2 / 7)
    assert m["fnr"] == pytest.approx(1 / 3)
    # AUC: of the 21 (positive, negative) pairs, the positive ranks higher in 18.
    assert m["auc"] == pytest.approx(18 / 21)
    assert m["brier"] == pytest.approx(np.mean((P - Y) ** 2))
    assert m["ece"] == pytest.approx(expected_calibration_error(y_true=Y, probability=P))
    json.dumps(m)
    assert all(isinstance(v, int | float) for v in m.values())


def test_majority_accuracy_when_most_are_positive():
    y = np.array([1, 1, 1, 0])
    m = classification_metrics(y_true=y, probability=np.full(4, 0.9), threshold=0.6)
    assert m["majority_accuracy"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["fpr"] == 1.0 and m["fnr"] == 0.0


def test_one_class_only_does_not_crash():
    m = classification_metrics(y_true=np.zeros(5, int), probability=np.full(5, 0.2), threshold=0.5)
    assert m["auc"] is None
    assert m["fnr"] is None and m["recall"] is None  # no positives
    assert m["precision"] is None  # nothing predicted positive
    assert m["fpr"] == 0.0
    assert m["accuracy"] == 1.0 and m["majority_accuracy"] == 1.0
    assert m["brier"] == pytest.approx(0.04)
    m = classification_metrics(y_true=np.ones(3, int), probability=np.full(3, 0.7), threshold=0.5)
    assert m["auc"] is None and m["fpr"] is None and m["fnr"] == 0.0
    empty = classification_metrics(y_true=[], probability=[], threshold=0.5)
    assert empty["n"] == 0 and empty["auc"] is None and empty["accuracy"] is None


def test_calibration_table_and_ece_on_a_tiny_example():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.05, 0.15, 0.15, 0.8, 0.8, 1.0])
    rows = calibration_table(y_true=y, probability=p, bins=10)
    # Bins [0, 0.1): one case; [0.1, 0.2): two; [0.8, 0.9): two; [0.9, 1.0]: one (1.0).
    assert [(r["bin_low"], r["bin_high"], r["n"]) for r in rows] == [
        (0.0, 0.1, 1),
        (0.1, 0.2, 2),
        (0.8, 0.9, 2),
        (0.9, 1.0, 1),
    ]
    assert rows[1]["mean_predicted"] == pytest.approx(0.15)
    assert rows[1]["observed_rate"] == pytest.approx(0.5)
    assert rows[3]["observed_rate"] == 0.0
    # |0 - 0.05| * 1 + |0.5 - 0.15| * 2 + |1 - 0.8| * 2 + |0 - 1| * 1, over 6 cases.
    expected = (0.05 + 0.7 + 0.4 + 1.0) / 6
    assert expected_calibration_error(y_true=y, probability=p) == pytest.approx(expected)
    weighted = sum(r["n"] * abs(r["observed_rate"] - r["mean_predicted"]) for r in rows) / 6
    assert weighted == pytest.approx(expected)


def test_ece_of_a_nearly_calibrated_model():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    # Bin [0.1, 0.2): 8 cases at 0.1 but 1 positive of 8 = 0.125; bin [0.5, 0.6): exact.
    assert expected_calibration_error(y_true=y, probability=p) == pytest.approx(0.025 * 8 / 10)
    assert calibration_table(y_true=[], probability=[]) == []


def crafted():
    """Two groups of 40 and a tiny group of 5, plus 3 records with no value."""
    y = np.array([1] * 20 + [0] * 20 + [1] * 10 + [0] * 30 + [1, 0, 0, 0, 0] + [1, 0, 1])
    # Group A: 15 of 20 positives and 5 of 20 negatives flagged.
    # Group B: 5 of 10 positives and 3 of 30 negatives flagged.
    p_a = [0.9] * 15 + [0.2] * 5 + [0.8] * 5 + [0.1] * 15
    p_b = [0.7] * 5 + [0.3] * 5 + [0.65] * 3 + [0.05] * 27
    p_c = [0.1, 0.9, 0.9, 0.9, 0.9]
    p = np.array(p_a + p_b + p_c + [0.9, 0.1, 0.4])
    groups = pd.DataFrame(
        {"gender": ["A"] * 40 + ["B"] * 40 + ["C"] * 5 + [None] * 3},
        dtype=object,
    )
    return y, p, groups


def test_group_metrics_on_a_crafted_frame():
    y, p, protected = crafted()
    groups, differences = group_metrics(y_true=y, probability=p, threshold=0.6, protected=protected)
    gender = groups["gender"]
    assert set(gender) == {"A", "B", "C", "missing"}
    assert gender["A"]["n"] == 40 and gender["B"]["n"] == 40
    assert gender["C"]["n"] == 5 and gender["missing"]["n"] == 3
    assert gender["A"]["selection_rate"] == pytest.approx(20 / 40)
    assert gender["A"]["fpr"] == pytest.approx(5 / 20)
    assert gender["A"]["fnr"] == pytest.approx(5 / 20)
    assert gender["B"]["selection_rate"] == pytest.approx(8 / 40)
    assert gender["B"]["fpr"] == pytest.approx(3 / 30)
    assert gender["B"]["fnr"] == pytest.approx(5 / 10)
    assert gender["C"]["fpr"] == 1.0 and gender["C"]["fnr"] == 1.0
    for name in ("A", "B", "C", "missing"):
        rows = np.asarray(protected["gender"].fillna("missing") == name)
        assert gender[name]["auc"] == pytest.approx(roc_auc_score(y[rows], p[rows]))
    # The tiny group C (and "missing") are left out of the differences.
    assert MIN_GROUP_SIZE == 30
    assert differences["gender"]["selection_rate"] == pytest.approx(0.5 - 0.2)
    assert differences["gender"]["fpr"] == pytest.approx(0.25 - 0.1)
    assert differences["gender"]["fnr"] == pytest.approx(0.5 - 0.25)
    assert differences["gender"]["auc"] == pytest.approx(
        abs(gender["A"]["auc"] - gender["B"]["auc"])
    )
    json.dumps([groups, differences])


def test_group_with_one_class_has_no_auc_and_one_large_group_no_difference():
    y = np.array([0] * 40 + [1, 0] * 5)
    p = np.linspace(0, 1, 50)
    protected = pd.DataFrame({"area": ["x"] * 40 + ["y"] * 10, "other": ["z"] * 50})
    groups, differences = group_metrics(y_true=y, probability=p, threshold=0.5, protected=protected)
    assert groups["area"]["x"]["auc"] is None and groups["area"]["x"]["fnr"] is None
    assert groups["area"]["y"]["auc"] is not None
    assert differences["area"] == dict.fromkeys(
        ["selection_rate", "fpr", "fnr", "auc"]
        + ["selection_rate_interval", "fpr_interval", "fnr_interval", "auc_interval"]
    )
    assert differences["other"]["fpr"] is None  # one group only
    assert groups["other"]["z"]["n"] == 50


def test_group_metrics_match_the_uncompressed_computation():
    rng = np.random.default_rng(3)
    n = 3000
    y = rng.integers(0, 2, n)
    p = rng.choice([0.1, 0.25, 0.5, 0.65, 0.9], n)  # few distinct values, as from a tree
    labels = rng.choice(["a", "b", "c"], n)
    protected = pd.DataFrame({"g": labels}, dtype=object)
    groups, differences = group_metrics(y_true=y, probability=p, threshold=0.6, protected=protected)
    aucs = []
    for value in ("a", "b", "c"):
        rows = labels == value
        yy, flagged = y[rows], p[rows] >= 0.6
        stats = groups["g"][value]
        assert stats["n"] == rows.sum()
        assert stats["selection_rate"] == pytest.approx(flagged.mean())
        assert stats["fpr"] == pytest.approx(flagged[yy == 0].mean())
        assert stats["fnr"] == pytest.approx(1 - flagged[yy == 1].mean())
        assert stats["auc"] == pytest.approx(roc_auc_score(yy, p[rows]))
        aucs.append(stats["auc"])
    assert differences["g"]["auc"] == pytest.approx(max(aucs) - min(aucs))


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 values but probability has 3"):
        classification_metrics(y_true=[0, 1], probability=[0.1, 0.2, 0.3], threshold=0.5)
    with pytest.raises(ValueError, match="protected has 1 rows"):
        group_metrics(
            y_true=[0, 1],
            probability=[0.1, 0.2],
            threshold=0.5,
            protected=pd.DataFrame({"g": ["a"]}),
        )
