"""Drift: the population stability index of each input, training against now."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from prediction.drift import drift_report, drift_status, population_stability_index
from tests.prediction.test_explanations import SPECIFICATIONS, synthetic_inputs


def test_identical_numeric_samples_are_stable():
    values = np.random.default_rng(0).normal(40, 10, 5000)
    assert population_stability_index(expected=values, actual=values, kind="numeric") == (
        pytest.approx(0.0, abs=1e-12)
    )


def test_two_samples_of_one_population_are_stable():
    rng = np.random.default_rng(1)
    psi = population_stability_index(
        expected=rng.normal(40, 10, 20000), actual=rng.normal(40, 10, 20000), kind="numeric"
    )
    assert 0.0 <= psi < 0.01


def test_a_shifted_numeric_sample_drifts_significantly():
    rng = np.random.default_rng(2)
    expected = rng.normal(40, 10, 10000)
    moderate = population_stability_index(expected=expected, actual=expected + 4, kind="numeric")
    large = population_stability_index(expected=expected, actual=expected + 10, kind="numeric")
    assert 0.1 <= moderate < large
    assert large > 0.25


def test_numeric_bins_follow_the_expected_quantiles():
    expected = np.arange(1000, dtype=float)
    # Everything in the lowest decile: one bin holds all, nine are empty.
    actual = np.full(1000, 5.0)
    psi = population_stability_index(expected=expected, actual=actual, kind="numeric", bins=10)
    e, a = 0.1, 1.0
    eps = 1e-4
    expected_psi = (a - e) * math.log(a / e) + 9 * (eps - e) * math.log(eps / e)
    assert psi == pytest.approx(expected_psi, rel=1e-6)


def test_whole_numbers_with_ties_still_bin():
    expected = np.repeat(np.arange(5, dtype=float), 200)
    assert population_stability_index(
        expected=expected, actual=expected, kind="numeric"
    ) == pytest.approx(0.0)
    assert (
        population_stability_index(expected=expected, actual=np.full(1000, 4.0), kind="numeric")
        > 0.25
    )


def test_missing_values_are_a_bin_of_their_own():
    rng = np.random.default_rng(3)
    expected = rng.normal(0, 1, 5000)
    actual = expected.copy()
    actual[: len(actual) // 3] = np.nan
    assert population_stability_index(expected=expected, actual=actual, kind="numeric") > 0.25
    categories = ["a", "b", None] * 100
    assert population_stability_index(
        expected=categories, actual=categories, kind="categorical"
    ) == pytest.approx(0.0)
    assert (
        population_stability_index(
            expected=["a", "b"] * 100, actual=["a", "b", None, None] * 50, kind="categorical"
        )
        > 0.25
    )


def test_categorical_and_boolean_counts_per_value():
    assert population_stability_index(
        expected=["a"] * 50 + ["b"] * 50, actual=["b"] * 50 + ["a"] * 50, kind="categorical"
    ) == pytest.approx(0.0)
    psi = population_stability_index(
        expected=["a"] * 50 + ["b"] * 50, actual=["a"] * 80 + ["b"] * 20, kind="categorical"
    )
    assert psi == pytest.approx(
        (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    )
    # A value never seen in training shows up as drift.
    assert (
        population_stability_index(
            expected=["a"] * 100, actual=["a"] * 50 + ["new"] * 50, kind="categorical"
        )
        > 0.25
    )
    assert (
        population_stability_index(
            expected=[True] * 70 + [False] * 30, actual=[True] * 30 + [False] * 70, kind="boolean"
        )
        > 0.25
    )


def test_an_empty_sample_has_no_psi():
    assert math.isnan(population_stability_index(expected=[], actual=[1.0], kind="numeric"))
    assert drift_status(math.nan) == "unknown"
    with pytest.raises(ValueError):
        population_stability_index(expected=[1.0], actual=[1.0], kind="text")


@pytest.mark.parametrize(
    ("psi", "status"),
    [
        (0.0, "stable"),
        (0.0999, "stable"),
        (0.1, "moderate"),
        (0.2499, "moderate"),
        (0.25, "significant"),
    ],
)
def test_status_cutoffs(psi, status):
    assert drift_status(psi) == status


@pytest.mark.parametrize("name", sorted(SPECIFICATIONS))
def test_drift_report_covers_the_inputs_in_both_languages(name):
    specification = SPECIFICATIONS[name]()
    training = synthetic_inputs(specification, 4000, seed=1)
    same = synthetic_inputs(specification, 4000, seed=1)
    report = drift_report(
        specification=specification, training_inputs=training, current_inputs=same
    )
    assert set(report) == {f.name for f in specification.inputs}
    assert not {f.name for f in specification.protected} & set(report)
    for feature in specification.inputs:
        entry = report[feature.name]
        assert set(entry) == {"psi", "status", "label_da", "label_en"}
        assert entry["psi"] == pytest.approx(0.0, abs=1e-12)
        assert entry["status"] == "stable"
        assert (entry["label_da"], entry["label_en"]) == (feature.label_da, feature.label_en)


def test_drift_report_flags_a_changed_input():
    specification = SPECIFICATIONS["default"]()
    training = synthetic_inputs(specification, 4000, seed=1)
    current = training.sample(frac=1.0, random_state=2).reset_index(drop=True)
    current["age"] = (current["age"].astype(float) + 12).clip(upper=67)
    current["benefit_type"] = "kontanthjaelp_aktivitetsparat"
    current = current.drop(columns="driving_licence")
    report = drift_report(
        specification=specification, training_inputs=training, current_inputs=current
    )
    assert report["age"]["status"] == "significant"
    assert report["benefit_type"]["status"] == "significant"
    assert report["driving_licence"]["status"] == "significant"  # now always missing
    assert report["education"]["status"] == "stable"
    assert report["age"]["label_da"] == "Alder"


def test_drift_report_reads_boolean_spellings_as_one_value():
    specification = SPECIFICATIONS["default"]()
    training = synthetic_inputs(specification, 1000, seed=1)
    current = training.copy()
    current["driving_licence"] = current["driving_licence"].map({True: "ja", False: "nej"})
    current["education"] = current["education"].str.upper()
    report = drift_report(
        specification=specification, training_inputs=training, current_inputs=current
    )
    assert report["driving_licence"]["psi"] == pytest.approx(0.0)
    assert report["education"]["psi"] == pytest.approx(0.0)
    assert isinstance(pd.DataFrame(report).T, pd.DataFrame)


def test_drift_report_without_data_is_unknown_and_valid_json():
    specification = SPECIFICATIONS["small"]()
    training = synthetic_inputs(specification, 100, seed=1)
    for current, previous in ((training.iloc[:0], training), (training, pd.DataFrame({}))):
        report = drift_report(
            specification=specification, training_inputs=previous, current_inputs=current
        )
        assert {entry["status"] for entry in report.values()} == {"unknown"}
        assert {entry["psi"] for entry in report.values()} == {0.0}
        json.loads(json.dumps(report, allow_nan=False))
