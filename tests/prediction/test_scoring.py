"""Vectorised scoring: the same numbers as ``predict_proba``, many rows at a time."""

from __future__ import annotations

import numpy as np
import pytest

from prediction.explanations import Explanation, explain
from prediction.scoring import bands_for, encode_frame, score_frame, score_matrix
from tests.prediction.test_explanations import SPECIFICATIONS, fitted, rows


@pytest.fixture(scope="module", params=sorted(SPECIFICATIONS))
def model(request):
    specification = SPECIFICATIONS[request.param]()
    inputs, outcome, pipeline, compiled = fitted(specification, n=6000, seed=4)
    return specification, inputs, pipeline, compiled


def test_score_matrix_equals_predict_proba_and_apply(model):
    _, inputs, pipeline, compiled = model
    matrix = pipeline.named_steps["encode"].transform(inputs)
    probability, leaf = score_matrix(compiled=compiled, matrix=matrix)
    assert probability.dtype == np.float64 and leaf.dtype == np.int64
    np.testing.assert_array_equal(probability, pipeline.predict_proba(inputs)[:, 1])
    np.testing.assert_array_equal(leaf, pipeline.named_steps["tree"].apply(matrix))


def test_score_matrix_checks_the_number_of_columns(model):
    _, _, _, compiled = model
    with pytest.raises(ValueError, match="columns"):
        score_matrix(compiled=compiled, matrix=np.zeros((3, len(compiled.columns) + 1)))


def test_score_frame_equals_predict_proba_for_scorable_rows(model):
    _, inputs, pipeline, compiled = model
    probability, leaf, scorable = score_frame(compiled=compiled, inputs=inputs)
    assert scorable.all()  # the synthetic frames only leave optional inputs out
    np.testing.assert_array_equal(probability, pipeline.predict_proba(inputs)[:, 1])
    matrix = pipeline.named_steps["encode"].transform(inputs)
    np.testing.assert_array_equal(leaf, pipeline.named_steps["tree"].apply(matrix))


def test_score_frame_encodes_like_the_encoder(model):
    _, inputs, pipeline, compiled = model
    expected = pipeline.named_steps["encode"].transform(inputs).astype(np.float32)
    np.testing.assert_array_equal(encode_frame(compiled=compiled, inputs=inputs), expected)


def test_score_frame_agrees_with_explain(model):
    _, inputs, _, compiled = model
    probability, leaf, _ = score_frame(compiled=compiled, inputs=inputs.iloc[:300])
    for i, values in enumerate(rows(inputs.iloc[:300])):
        result = explain(compiled=compiled, inputs=values, base_rate=0.4)
        assert isinstance(result, Explanation)
        assert (result.probability, result.leaf_id) == (probability[i], leaf[i])


def test_rows_missing_a_required_input_are_not_scored(model):
    specification, inputs, pipeline, compiled = model
    frame = inputs.iloc[:50].copy()
    frame.loc[frame.index[[1, 7]], "age"] = None
    frame.loc[frame.index[3], "age"] = np.nan
    probability, leaf, scorable = score_frame(compiled=compiled, inputs=frame)
    assert np.flatnonzero(~scorable).tolist() == [1, 3, 7]
    assert np.isnan(probability[[1, 3, 7]]).all() and (leaf[[1, 3, 7]] == -1).all()
    keep = scorable
    np.testing.assert_array_equal(probability[keep], pipeline.predict_proba(frame[keep])[:, 1])


def test_a_missing_optional_input_is_scored_along_the_learned_side(model):
    specification, inputs, pipeline, compiled = model
    optional = [f.name for f in specification.inputs if not f.required]
    frame = inputs.iloc[:200].copy()
    frame[optional[0]] = None
    probability, _, scorable = score_frame(compiled=compiled, inputs=frame)
    assert scorable.all()
    np.testing.assert_array_equal(probability, pipeline.predict_proba(frame)[:, 1])


def test_an_absent_required_column_leaves_every_row_unscored(model):
    _, inputs, _, compiled = model
    probability, leaf, scorable = score_frame(compiled=compiled, inputs=inputs.drop(columns="age"))
    assert not scorable.any() and np.isnan(probability).all() and (leaf == -1).all()


def test_score_frame_reads_other_column_types():
    specification = SPECIFICATIONS["default"]()
    inputs, _, pipeline, compiled = fitted(specification, n=3000, seed=5)
    frame = inputs.iloc[:500].copy()
    expected = pipeline.predict_proba(frame)[:, 1]
    typed = frame.copy()
    typed["education"] = typed["education"].astype("category")
    typed["benefit_type"] = typed["benefit_type"].astype("string")
    typed["cv_complete"] = typed["cv_complete"].astype("boolean")
    typed["driving_licence"] = typed["driving_licence"].astype(bool)
    typed["age"] = typed["age"].astype(float)
    probability, _, scorable = score_frame(compiled=compiled, inputs=typed)
    assert scorable.all()
    np.testing.assert_array_equal(probability, expected)
    as_numbers = frame.copy()
    as_numbers["driving_licence"] = as_numbers["driving_licence"].astype(bool).astype(int)
    np.testing.assert_array_equal(score_frame(compiled=compiled, inputs=as_numbers)[0], expected)


def test_an_unknown_required_category_is_not_scored():
    specification = SPECIFICATIONS["default"]()
    inputs, _, _, compiled = fitted(specification, n=2000, seed=6)
    frame = inputs.iloc[:5].copy()
    frame.loc[frame.index[2], "education"] = "phd"
    _, _, scorable = score_frame(compiled=compiled, inputs=frame)
    assert scorable.tolist() == [True, True, False, True, True]


def test_bands_for_uses_the_same_boundaries_as_risk_band():
    probability = np.array([0.0, 0.2999, 0.3, 0.5999, 0.6, 1.0, np.nan])
    bands = bands_for(probability, (0.3, 0.6))
    assert bands.tolist() == ["low", "low", "medium", "medium", "high", "high", None]
    assert bands_for(np.array([0.25]), (0.2, 0.5)).tolist() == ["medium"]
    with pytest.raises(ValueError):
        bands_for(probability, (0.7, 0.2))
