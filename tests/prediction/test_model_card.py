"""Tests for the model card (pure Python; no Django, no database)."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest
import sklearn

from prediction.frames import frame_from_records
from prediction.model_card import model_card_build
from prediction.specification import default_specification
from prediction.training import TrainingParameters, model_fit
from tests.prediction.test_training import default_records, small_records, small_specification

PARAMETERS = TrainingParameters(leaf_floor=20, max_depths=(2, 4), leaf_multipliers=(1, 2))
TRAINED_AT = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)

REQUIRED = {
    "version",
    "specification",
    "intended_use",
    "not_for",
    "data",
    "metrics",
    "calibration",
    "groups",
    "group_differences",
    "reference",
    "tree",
    "inputs",
    "protected",
    "parameters",
    "bands",
    "software",
    "trained_by",
    "trained_at",
}

RATES = {"selection_rate", "fpr", "fnr", "auc"}


@pytest.fixture(scope="module")
def default_card():
    spec = default_specification()
    frame = frame_from_records(specification=spec, records=default_records(2500, seed=11))
    result = model_fit(specification=spec, frame=frame, parameters=PARAMETERS)
    card = model_card_build(
        specification=spec,
        result=result,
        trained_by="analyst@jobcenter.dk",
        trained_at=TRAINED_AT,
        version_number=4,
    )
    return card, result


@pytest.fixture(scope="module")
def small_card():
    spec = small_specification()
    frame = frame_from_records(specification=spec, records=small_records(1200))
    result = model_fit(specification=spec, frame=frame, parameters=PARAMETERS)
    return model_card_build(
        specification=spec,
        result=result,
        trained_by="someone",
        trained_at=TRAINED_AT,
        version_number=1,
    )


def plain_types_only(value) -> bool:
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(plain_types_only(item) for item in value)
    if type(value) is dict:
        return all(type(k) is str and plain_types_only(v) for k, v in value.items())
    return False


def test_card_has_every_required_key_and_is_json(default_card):
    card, _ = default_card
    assert set(card) >= REQUIRED
    assert plain_types_only(card)
    assert json.loads(json.dumps(card, allow_nan=False)) == card


def test_card_describes_the_specification_data_and_tree(default_card):
    card, result = default_card
    assert card["version"] == 4
    assert card["specification"] == {
        "name": "default",
        "version": 1,
        "title_da": "Risiko for ledighed 12 måneder efter 2. samtale",
        "title_en": "Risk of unemployment 12 months after the 2nd meeting",
    }
    data = card["data"]
    assert set(data) == {
        "n_train",
        "n_test",
        "base_rate",
        "data_from",
        "data_to",
        "test_from",
        "split_method",
    }
    assert data["split_method"] == "time"
    assert data["n_train"] + data["n_test"] == 2500
    assert data["base_rate"] == pytest.approx(result.base_rate)
    assert data["data_from"] < data["test_from"] <= data["data_to"]
    for key in (
        "auc",
        "accuracy",
        "majority_accuracy",
        "brier",
        "ece",
        "precision",
        "recall",
        "fpr",
        "fnr",
    ):
        assert key in card["metrics"]
    tree = card["tree"]
    estimator = result.pipeline.named_steps["tree"]
    assert tree["depth"] == estimator.get_depth()
    assert tree["leaves"] == estimator.get_n_leaves()
    assert tree["max_depth"] == result.chosen["max_depth"]
    assert tree["min_samples_leaf"] == result.chosen["min_samples_leaf"] >= 20
    assert tree["leaf_floor"] == 20
    assert card["reference"]["model"] == "HistGradientBoostingClassifier"
    assert set(card["reference"]) >= {"model", "auc", "auc_gap"}
    assert card["bands"] == {"low_below": 0.3, "high_from": 0.6}
    assert card["parameters"] == PARAMETERS.to_dict()
    assert card["software"]["sklearn"] == sklearn.__version__
    assert card["software"]["numpy"] == np.__version__
    assert card["trained_by"] == "analyst@jobcenter.dk"
    assert card["trained_at"] == "2026-03-01T09:30:00+00:00"


def test_card_lists_inputs_and_protected_attributes_apart(default_card):
    card, _ = default_card
    spec = default_specification()
    assert [item["name"] for item in card["inputs"]] == [f.name for f in spec.inputs]
    assert card["inputs"][0] == {
        "name": "age",
        "type": "numeric",
        "label_da": "Alder",
        "label_en": "Age",
    }
    assert card["protected"] == [
        {"name": "gender", "label_da": "Køn", "label_en": "Gender"},
        {"name": "origin", "label_da": "Herkomst", "label_en": "Origin"},
        {"name": "postal_code", "label_da": "Postnummer", "label_en": "Postal code"},
    ]
    names = {item["name"] for item in card["inputs"]}
    assert not names & {item["name"] for item in card["protected"]}


def test_card_groups_have_the_agreed_shape(default_card):
    card, _ = default_card
    assert set(card["groups"]) == {"gender", "origin", "postal_code"}
    for values in card["groups"].values():
        for stats in values.values():
            assert set(stats) == {"n"} | RATES | {f"{m}_interval" for m in RATES}
    assert set(card["group_differences"]["gender"]) == RATES | {f"{m}_interval" for m in RATES}
    total = sum(stats["n"] for stats in card["groups"]["gender"].values())
    assert total == card["data"]["n_test"]


def test_card_says_what_the_model_is_for_and_not_for(default_card):
    card, _ = default_card
    for key in ("intended_use", "not_for"):
        assert set(card[key]) == {"da", "en"}
        assert all(len(text) > 100 for text in card[key].values())
    assert "2. samtale" in card["intended_use"]["da"]
    assert "2nd meeting" in card["intended_use"]["en"]
    assert "ikke en afgørelse" in card["not_for"]["da"]
    assert "not a decision" in card["not_for"]["en"]
    for word in ("benefits", "sanctions", "worth", "gender"):
        assert word in card["not_for"]["en"]
    for word in ("ydelser", "sanktioner", "værd", "køn"):
        assert word in card["not_for"]["da"]


def test_card_for_the_small_specification(small_card):
    card = small_card
    assert set(card) >= REQUIRED
    assert card["specification"]["name"] == "small-test_2"
    assert card["specification"]["title_da"] == "Still on benefits after a year"  # fallback
    assert card["data"]["split_method"] == "stratified"
    assert card["data"]["data_from"] is None and card["data"]["test_from"] is None
    assert [item["name"] for item in card["inputs"]] == ["age", "sector", "has_car"]
    assert card["inputs"][2]["label_en"] == "Har bil"  # falls back to Danish
    assert card["protected"] == [{"name": "sex", "label_da": "sex", "label_en": "sex"}]
    assert set(card["groups"]) == {"sex"}
    json.dumps(card, allow_nan=False)


def test_card_carries_intervals_and_how_they_were_computed(default_card):
    card, _ = default_card
    metrics = card["metrics"]
    for name in ("auc", "accuracy", "majority_accuracy", "brier", "ece"):
        low, high = metrics[f"{name}_interval"]
        assert 0.0 <= low <= high <= 1.0, name
    assert card["uncertainty"]["n_boot"] == 1000
    assert "bootstrap" in card["uncertainty"]["method"]
    cv = card["cross_validation"]
    assert cv["cv_auc_min"] <= cv["cv_auc"] <= cv["cv_auc_max"]
    assert all(len(row["fold_aucs"]) == cv["folds"] for row in cv["table"])
