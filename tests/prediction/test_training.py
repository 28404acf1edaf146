"""Tests for the training core (pure Python; no Django, no database).

``default_records`` and ``small_records`` make synthetic records whose outcome depends on
the inputs; ``tests/prediction/test_model_card.py`` reuses them.
"""

from __future__ import annotations

import datetime
import math
import pathlib

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from prediction.encoding import CategoryRankEncoder
from prediction.frames import Frame, frame_from_records
from prediction.specification import default_specification, specification_from_file
from prediction.training import (
    TrainingDataError,
    TrainingParameters,
    TrainingResult,
    model_fit,
    split_frame,
)

SPECS = pathlib.Path(__file__).resolve().parent / "specs"
START = datetime.date(2019, 1, 1)

EDUCATION = ["primary", "upper_secondary", "vocational", "short_higher", "bachelor", "master"]
EDUCATION_EFFECT = {
    "primary": 0.9,
    "upper_secondary": 0.3,
    "vocational": 0.0,
    "short_higher": -0.3,
    "bachelor": -0.5,
    "master": -0.6,
}
BENEFITS = [
    "dagpenge",
    "kontanthjaelp_jobparat",
    "kontanthjaelp_aktivitetsparat",
    "uddannelseshjaelp",
]
BENEFIT_EFFECT = {
    "dagpenge": -1.6,
    "kontanthjaelp_jobparat": -0.2,
    "kontanthjaelp_aktivitetsparat": 1.4,
    "uddannelseshjaelp": 0.2,
}
INDUSTRIES = [
    "none",
    "construction",
    "manufacturing",
    "retail",
    "transport",
    "hospitality",
    "health_social",
    "office_admin",
    "it_communication",
    "public_education",
    "agriculture",
    "cleaning",
]
POSTAL_CODES = ["7400", "7451", "7480", "7490", "7540", "6933", "6973", "7280"]

RATES = {"selection_rate", "fpr", "fnr", "auc"}


def default_columns(n: int, seed: int = 1, *, protected_only: bool = False) -> dict:
    """Vectorised synthetic spells for the default specification (numpy arrays).

    The outcome depends on benefit type, education, employment history and age (AUC
    about 0.75), or, with ``protected_only``, on gender alone (the inputs are noise).
    """
    rng = np.random.default_rng(seed)
    columns = {
        "age": rng.integers(18, 68, n).astype(float),
        "education": rng.choice(EDUCATION, n, p=[0.3, 0.15, 0.25, 0.1, 0.12, 0.08]),
        "months_employed_3y": rng.integers(0, 37, n).astype(float),
        "spells_5y": np.minimum(rng.poisson(1.5, n), 20).astype(float),
        "previous_industry": rng.choice(INDUSTRIES, n),
        "benefit_type": rng.choice(BENEFITS, n, p=[0.6, 0.15, 0.2, 0.05]),
        "cv_complete": rng.random(n) < 0.7,
        "cv_missing": rng.random(n) < 0.1,
        "job_search_activity": rng.integers(0, 40, n).astype(float),
        "availability": rng.choice(["full_time", "part_time"], n, p=[0.8, 0.2]),
        "driving_licence": rng.random(n) < 0.75,
        "gender": rng.choice(["female", "male"], n),
        "origin": rng.choice(["danish", "western", "non_western"], n, p=[0.8, 0.08, 0.12]),
        "postal_code": rng.choice(POSTAL_CODES, n),
        "day": rng.integers(0, 5 * 365, n),
    }
    if protected_only:
        logit = np.where(columns["gender"] == "female", 1.5, -1.5)
    else:
        logit = (
            np.vectorize(BENEFIT_EFFECT.get)(columns["benefit_type"])
            + np.vectorize(EDUCATION_EFFECT.get)(columns["education"])
            - 0.05 * (columns["months_employed_3y"] - 18)
            + 0.25 * (columns["spells_5y"] - 1.5)
            + 0.03 * (columns["age"] - 40)
            - 0.4 * columns["cv_complete"]
            - 0.3
        )
    columns["outcome"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return columns


def default_records(n: int, seed: int = 1, *, dated: bool = True, protected_only: bool = False):
    """Record tuples ``(id, as_of, inputs, protected, outcome)`` for the default
    specification (a generator: a million records need not sit in memory)."""
    c = default_columns(n, seed, protected_only=protected_only)
    as_of = [START + datetime.timedelta(days=int(day)) for day in range(5 * 365)]
    for i in range(n):
        inputs = {
            "age": float(c["age"][i]),
            "education": str(c["education"][i]),
            "months_employed_3y": float(c["months_employed_3y"][i]),
            "spells_5y": float(c["spells_5y"][i]),
            "previous_industry": str(c["previous_industry"][i]),
            "benefit_type": str(c["benefit_type"][i]),
            "job_search_activity": float(c["job_search_activity"][i]),
            "availability": str(c["availability"][i]),
            "driving_licence": bool(c["driving_licence"][i]),
        }
        if not c["cv_missing"][i]:
            inputs["cv_complete"] = bool(c["cv_complete"][i])
        protected = {
            "gender": str(c["gender"][i]),
            "origin": str(c["origin"][i]),
            "postal_code": str(c["postal_code"][i]),
        }
        yield (
            f"S{i:07d}",
            as_of[c["day"][i]] if dated else None,
            inputs,
            protected,
            bool(c["outcome"][i]),
        )


def small_records(n: int, seed: int = 2):
    """Records for ``tests/prediction/specs/small.toml`` (no dates, protected ``sex``)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        age = int(rng.integers(16, 71))
        sector = str(rng.choice(["public", "private", "self_employed"]))
        has_car = None if rng.random() < 0.1 else bool(rng.random() < 0.6)
        logit = 0.06 * (age - 40) + {"public": -0.8, "private": 0.0, "self_employed": 1.0}[sector]
        outcome = bool(rng.random() < 1 / (1 + math.exp(-logit)))
        yield (
            f"case-{i}",
            None,
            {"age": age, "sector": sector, "has_car": has_car},
            {"sex": str(rng.choice(["F", "M"]))},
            outcome,
        )


def small_specification():
    return specification_from_file(SPECS / "small.toml")


FAST = TrainingParameters(leaf_floor=20, max_depths=(2, 4, 6), leaf_multipliers=(1, 3))


@pytest.fixture(scope="module")
def default_spec():
    return default_specification()


@pytest.fixture(scope="module")
def default_frame(default_spec) -> Frame:
    return frame_from_records(specification=default_spec, records=default_records(6000))


@pytest.fixture(scope="module")
def default_result(default_spec, default_frame) -> TrainingResult:
    return model_fit(specification=default_spec, frame=default_frame, parameters=FAST)


# -- Parameters --------------------------------------------------------------------------


def test_parameters_round_trip_through_a_dict():
    parameters = TrainingParameters(leaf_floor=30, max_depths=[3, 5], band_cutoffs=[0.2, 0.5])
    assert parameters.max_depths == (3, 5)
    data = parameters.to_dict()
    assert data["band_cutoffs"] == [0.2, 0.5]
    assert TrainingParameters.from_dict(data) == parameters
    assert TrainingParameters.from_dict({}) == TrainingParameters()
    assert TrainingParameters().threshold == 0.6
    assert TrainingParameters(leaf_floor=10, leaf_multipliers=(4, 1)).leaf_sizes == (10, 40)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"leaf_floor": 0}, "leaf_floor must be at least 1"),
        ({"leaf_floor": 2.5}, "leaf_floor must be a whole number"),
        ({"max_depths": []}, "max_depths must not be empty"),
        ({"max_depths": [3, 0]}, r"max_depths\[1\] must be at least 1"),
        ({"leaf_multipliers": "1"}, "leaf_multipliers must be a list"),
        ({"cv_folds": 1}, "cv_folds must be at least 2"),
        ({"test_fraction": 1.0}, "test_fraction must be between 0 and 1"),
        ({"band_cutoffs": [0.6, 0.3]}, "band_cutoffs must be increasing"),
        ({"band_cutoffs": [0.0, 0.3]}, r"band_cutoffs\[0\] must be between 0 and 1"),
        ({"band_cutoffs": [0.3]}, "band_cutoffs must be two numbers"),
        ({"leaf_flor": 3}, "unknown training parameter"),
    ],
)
def test_parameters_are_validated_with_clear_messages(data, message):
    with pytest.raises(ValueError, match=message):
        TrainingParameters.from_dict(data)


# -- Split -------------------------------------------------------------------------------


def test_time_split_holds_out_the_newest_fifth(default_frame):
    train, test = split_frame(frame=default_frame, parameters=TrainingParameters())
    n = len(default_frame)
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == n
    dates = default_frame.as_of
    # Nothing in the training part is as new as anything in the test part.
    assert dates[train].max() < dates[test].min()
    # About a fifth is held out: at least a fifth, plus the ties on the cut-off date.
    assert (
        math.ceil(0.2 * n) <= len(test) <= math.ceil(0.2 * n) + (dates == dates[test].min()).sum()
    )
    assert (dates[test] >= np.sort(dates)[n - math.ceil(0.2 * n)]).all()


def test_ties_at_the_cut_go_to_the_test_part(default_spec):
    records = list(default_records(1000, seed=3))
    # Half the records on one date: the newest fifth starts inside the tie.
    same = datetime.date(2024, 1, 1)
    records = [(r[0], same if i % 2 else START, *r[2:]) for i, r in enumerate(records)]
    frame = frame_from_records(specification=default_spec, records=records)
    train, test = split_frame(frame=frame, parameters=TrainingParameters())
    assert len(test) == 500 and (frame.as_of[test] == np.datetime64(same)).all()
    assert len(train) == 500


def test_stratified_split_when_records_have_no_dates(default_spec):
    frame = frame_from_records(
        specification=default_spec, records=default_records(2000, seed=4, dated=False)
    )
    assert frame.as_of is None
    parameters = TrainingParameters(seed=7)
    train, test = split_frame(frame=frame, parameters=parameters)
    assert len(test) == 400 and len(train) == 1600
    rate = frame.outcome.mean()
    assert abs(frame.outcome[test].mean() - rate) < 0.005
    assert abs(frame.outcome[train].mean() - rate) < 0.005
    again = split_frame(frame=frame, parameters=parameters)
    assert np.array_equal(again[1], test)  # seeded


def test_a_record_without_a_date_means_a_stratified_split(default_spec):
    records = list(default_records(1000, seed=5))
    records[10] = (records[10][0], None, *records[10][2:])
    frame = frame_from_records(specification=default_spec, records=records)
    assert frame.as_of is not None and not frame.has_dates
    result_split = split_frame(frame=frame, parameters=TrainingParameters())
    assert len(result_split[1]) == 200


# -- Training on the default specification ----------------------------------------------


def test_result_shape_and_the_time_split(default_result, default_frame):
    result = default_result
    assert isinstance(result.pipeline, Pipeline)
    assert [name for name, _ in result.pipeline.steps] == ["encode", "tree"]
    assert isinstance(result.pipeline.named_steps["encode"], CategoryRankEncoder)
    assert isinstance(result.pipeline.named_steps["tree"], DecisionTreeClassifier)
    split = result.split
    assert split["method"] == "time"
    assert split["n_train"] + split["n_test"] == len(default_frame)
    assert split["data_from"] == str(default_frame.as_of.min())
    assert split["data_to"] == str(default_frame.as_of.max())
    assert split["data_from"] < split["test_from"] <= split["data_to"]
    assert result.parameters == FAST
    assert result.metrics["threshold"] == FAST.band_cutoffs[1]
    assert result.metrics["n"] == split["n_test"]
    # The pipeline is usable as it is: it reproduces the held-out AUC from raw inputs.
    test = default_frame.as_of >= np.datetime64(split["test_from"])
    probability = result.pipeline.predict_proba(default_frame.inputs[test])[:, 1]
    assert roc_auc_score(default_frame.outcome[test], probability) == pytest.approx(
        result.metrics["auc"]
    )


def test_the_model_learns_and_beats_nothing_it_should_not(default_result):
    metrics = default_result.metrics
    assert metrics["auc"] > 0.68
    assert default_result.chosen["cv_auc"] > 0.68
    reference = default_result.reference
    assert reference["model"] == "HistGradientBoostingClassifier"
    assert reference["auc"] > 0.68
    assert reference["auc_gap"] == pytest.approx(reference["auc"] - metrics["auc"])


def test_cross_validation_covers_the_grid_and_respects_the_leaf_floor(default_result):
    chosen = default_result.chosen
    table = chosen["cv_table"]
    assert {(row["max_depth"], row["min_samples_leaf"]) for row in table} == {
        (depth, leaf) for depth in (2, 4, 6) for leaf in (20, 60)
    }
    assert chosen["max_depth"] in (2, 4, 6)
    assert chosen["min_samples_leaf"] in (20, 60)
    best = max(row["mean_auc"] for row in table)
    assert chosen["cv_auc"] >= best - 0.001
    tree = default_result.pipeline.named_steps["tree"]
    assert tree.max_depth == chosen["max_depth"]
    assert tree.min_samples_leaf == chosen["min_samples_leaf"]
    assert default_result.tree == {"depth": tree.get_depth(), "leaves": tree.get_n_leaves()}


def test_cutting_the_deep_tree_matches_training_a_shallow_one(default_frame, default_spec):
    """The CV shortcut: the depth-d tree is the deep tree cut at depth d."""
    from prediction.encoding import encoder_for
    from prediction.training import _node_positive_rates, _nodes_by_depth

    X = encoder_for(default_spec).fit(default_frame.inputs, default_frame.outcome)
    X = X.transform(default_frame.inputs)
    y = default_frame.outcome
    deep = DecisionTreeClassifier(max_depth=6, min_samples_leaf=20, random_state=1).fit(X, y)
    rates = _node_positive_rates(deep)
    cut = {depth: rates[nodes] for depth, nodes in _nodes_by_depth(deep, X, [2, 4, 6]).items()}
    for depth in (2, 4, 6):
        shallow = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=20, random_state=1)
        expected = shallow.fit(X, y).predict_proba(X)[:, 1]
        assert np.allclose(cut[depth], expected)


def test_the_cut_trees_auc_is_roc_auc_score(default_frame, default_spec):
    """The CV scores each cut tree from per-node counts; ties count half, as in sklearn."""
    from sklearn.metrics import roc_auc_score

    from prediction.encoding import encoder_for
    from prediction.training import _auc_of_tree_cut, _node_positive_rates, _nodes_by_depth

    X = encoder_for(default_spec).fit(default_frame.inputs, default_frame.outcome)
    X = X.transform(default_frame.inputs)
    y = default_frame.outcome
    deep = DecisionTreeClassifier(max_depth=6, min_samples_leaf=20, random_state=1).fit(X, y)
    rates = _node_positive_rates(deep)
    for nodes in _nodes_by_depth(deep, X, [1, 3, 6]).values():
        assert _auc_of_tree_cut(y, nodes, rates) == pytest.approx(
            roc_auc_score(y, rates[nodes]), abs=1e-12
        )


def test_per_fold_encoding_matches_the_encoder(default_frame, default_spec):
    """The CV shortcut: numeric columns encoded once, categorical ranks per fold."""
    from prediction.encoding import encoder_for
    from prediction.training import _PreEncoded

    encoded = _PreEncoded(default_spec, default_frame.inputs)
    rows = np.arange(0, len(default_frame), 2)
    others = np.arange(1, len(default_frame), 2)
    y = default_frame.outcome
    fit_matrix, other_matrix = encoded.fold(rows, y[rows], [rows, others])
    encoder = encoder_for(default_spec).fit(default_frame.inputs.iloc[rows], y[rows])
    expected = encoder.transform(default_frame.inputs.iloc[others])
    assert np.array_equal(other_matrix, expected, equal_nan=True)
    expected = encoder.transform(default_frame.inputs.iloc[rows])
    assert np.array_equal(fit_matrix, expected, equal_nan=True)
    assert np.isnan(other_matrix).any()  # missing CV answers stay missing


def test_every_leaf_rests_on_at_least_the_leaf_floor(default_result, default_frame):
    split = default_result.split
    train = np.arange(split["n_train"])  # the time split keeps the oldest records
    order = np.argsort(default_frame.as_of, kind="stable")
    train_rows = order[train]
    X = default_result.pipeline.named_steps["encode"].transform(
        default_frame.inputs.iloc[train_rows]
    )
    leaves = default_result.pipeline.named_steps["tree"].apply(X)
    counts = np.bincount(leaves)
    assert counts[counts > 0].min() >= FAST.leaf_floor
    tree = default_result.pipeline.named_steps["tree"].tree_
    is_leaf = tree.children_left == -1
    assert tree.n_node_samples[is_leaf].min() >= FAST.leaf_floor


def test_protected_attributes_never_reach_the_pipeline(default_result, default_spec):
    encoder = default_result.pipeline.named_steps["encode"]
    names = [feature.name for feature in default_spec.inputs]
    assert list(encoder.columns) == names
    assert list(encoder.get_feature_names_out()) == names
    assert default_result.pipeline.named_steps["tree"].n_features_in_ == len(names)
    for protected in ("gender", "origin", "postal_code"):
        assert protected not in encoder.columns
    assert list(default_result.training_inputs_sample.columns) == names


def test_a_model_cannot_learn_from_a_protected_attribute(default_spec):
    frame = frame_from_records(
        specification=default_spec, records=default_records(4000, seed=6, protected_only=True)
    )
    assert frame.outcome.mean() == pytest.approx(0.5, abs=0.05)
    result = model_fit(specification=default_spec, frame=frame, parameters=FAST)
    assert result.metrics["auc"] == pytest.approx(0.5, abs=0.06)
    # ... while the groups it is measured on differ completely in their outcomes.
    gender = result.groups["gender"]
    assert set(gender) == {"female", "male"}


def test_categorical_rules_are_subsets_of_the_specifications_values(default_result):
    encoder = default_result.pipeline.named_steps["encode"]
    tree = default_result.pipeline.named_steps["tree"].tree_
    for name, allowed in (("education", EDUCATION), ("benefit_type", BENEFITS)):
        assert sorted(encoder.categories_[name]) == sorted(allowed)
    columns = list(encoder.columns)
    used = False
    for node in np.flatnonzero(tree.children_left != -1):
        name = columns[tree.feature[node]]
        if name not in encoder.categories_:
            continue
        used = True
        left = encoder.categories_at_or_below(name, tree.threshold[node])
        right = encoder.categories_above(name, tree.threshold[node])
        assert left and right
        assert set(left) | set(right) == set(encoder.categories_[name])
        assert not set(left) & set(right)
    assert used  # benefit type drives the outcome, so some split is categorical


def test_groups_and_calibration_are_reported(default_result):
    groups = default_result.groups
    assert set(groups) == {"gender", "origin", "postal_code"}
    for values in groups.values():
        for stats in values.values():
            assert set(stats) == {"n"} | RATES | {f"{m}_interval" for m in RATES}
    assert sum(s["n"] for s in groups["origin"].values()) == default_result.split["n_test"]
    assert set(default_result.group_differences["gender"]) == RATES | {
        f"{m}_interval" for m in RATES
    }
    calibration = default_result.calibration
    assert sum(row["n"] for row in calibration) == default_result.split["n_test"]


def test_training_sample_and_base_rate(default_result, default_frame):
    sample = default_result.training_inputs_sample
    assert len(sample) == default_result.split["n_train"]  # fewer than 20,000 rows
    assert default_result.base_rate == pytest.approx(
        default_frame.outcome[
            default_frame.as_of < np.datetime64(default_result.split["test_from"])
        ].mean()
    )


def test_progress_is_reported_in_order(default_spec):
    frame = frame_from_records(specification=default_spec, records=default_records(1500, seed=8))
    calls = []
    model_fit(
        specification=default_spec,
        frame=frame,
        parameters=TrainingParameters(leaf_floor=20, max_depths=(2, 3), leaf_multipliers=(1,)),
        progress=lambda percent, message: calls.append((percent, message)),
    )
    percents = [percent for percent, _ in calls]
    assert percents == sorted(percents)
    assert percents[0] == 5 and percents[-1] == 100
    assert {80, 90} <= set(percents)
    assert all(isinstance(message, str) and message for _, message in calls)


def test_training_sample_is_capped(monkeypatch, default_spec):
    import prediction.training as training

    monkeypatch.setattr(training, "SAMPLE_SIZE", 100)
    frame = frame_from_records(specification=default_spec, records=default_records(1500, seed=9))
    parameters = TrainingParameters(leaf_floor=20, max_depths=(2,), leaf_multipliers=(1,))
    result = model_fit(specification=default_spec, frame=frame, parameters=parameters)
    assert len(result.training_inputs_sample) == 100
    again = model_fit(specification=default_spec, frame=frame, parameters=parameters)
    assert again.training_inputs_sample.equals(result.training_inputs_sample)


# -- Training on the small specification ------------------------------------------------


def test_small_specification_trains_with_a_stratified_split():
    spec = small_specification()
    frame = frame_from_records(specification=spec, records=small_records(2000))
    result = model_fit(specification=spec, frame=frame, parameters=FAST)
    assert result.split["method"] == "stratified"
    assert result.split["data_from"] is None and result.split["test_from"] is None
    assert result.split["n_test"] == 400
    assert result.metrics["auc"] > 0.7
    assert list(result.pipeline.named_steps["encode"].columns) == ["age", "sector", "has_car"]
    assert set(result.groups) == {"sex"}
    assert set(result.groups["sex"]) == {"F", "M"}
    assert sorted(result.pipeline.named_steps["encode"].categories_["sector"]) == sorted(
        ["public", "private", "self_employed"]
    )


# -- Data that cannot train a model ------------------------------------------------------


def test_too_few_records():
    spec = small_specification()
    frame = frame_from_records(specification=spec, records=small_records(199))
    with pytest.raises(TrainingDataError, match=r"too few records to train: 199, at least 200"):
        model_fit(specification=spec, frame=frame, parameters=FAST)


def test_one_outcome_only():
    spec = small_specification()
    records = [(*record[:4], False) for record in small_records(300)]
    frame = frame_from_records(specification=spec, records=records)
    with pytest.raises(TrainingDataError, match="same outcome .*both outcomes"):
        model_fit(specification=spec, frame=frame, parameters=FAST)


def test_too_few_of_one_outcome_in_the_training_part():
    spec = small_specification()
    records = [(*record[:4], i < 2) for i, record in enumerate(small_records(300))]
    frame = frame_from_records(specification=spec, records=records)
    with pytest.raises(TrainingDataError, match=r"only \d record.*'still unemployed'"):
        model_fit(specification=spec, frame=frame, parameters=FAST)


def test_all_records_on_one_date(default_spec):
    day = datetime.date(2024, 5, 1)
    records = [(r[0], day, *r[2:]) for r in default_records(400, seed=10)]
    frame = frame_from_records(specification=default_spec, records=records)
    with pytest.raises(TrainingDataError, match="left no records for training"):
        model_fit(specification=default_spec, frame=frame, parameters=FAST)


def test_frame_must_match_the_specification(default_frame):
    with pytest.raises(ValueError, match="do not match"):
        model_fit(specification=small_specification(), frame=default_frame, parameters=FAST)


def test_the_intervals_add_little_to_training_time():
    """The bootstrap works on compressed rows: 1000 resamples of 20,000 test cases of
    a tree-like model take well under a second."""
    import time

    from prediction.metrics import classification_intervals, group_metrics

    rng = np.random.default_rng(5)
    n = 20_000
    p = rng.integers(0, 40, size=n) / 40
    y = (rng.random(n) < p).astype(int)
    protected = pd.DataFrame(
        {"a": rng.choice(["x", "y", "z"], size=n), "b": rng.choice(list("abcdefgh"), size=n)}
    )
    start = time.perf_counter()
    classification_intervals(y_true=y, probability=p, threshold=0.6)
    group_metrics(y_true=y, probability=p, threshold=0.6, protected=protected)
    assert time.perf_counter() - start < 5.0
