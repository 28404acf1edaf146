"""The data team's commands on history the engine has never seen, given only a
specification: import_history, train_model, model_card and explain."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from prediction.models import ModelVersion
from tests.prediction.history import REPO_SPECS, SPECS, history_load, spec_register

# transaction=True: train_model queues its run on commit, as it does for real.
pytestmark = pytest.mark.django_db(transaction=True)

REQUIRED_CARD_KEYS = [
    ("metrics", "auc"),
    ("metrics", "accuracy"),
    ("metrics", "majority_accuracy"),
    ("metrics", "brier"),
    ("metrics", "ece"),
    ("reference", "auc"),
    ("data", "n_train"),
    ("data", "n_test"),
    ("data", "base_rate"),
    ("tree", "depth"),
    ("tree", "leaves"),
]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(params=["default", "small"])
def trained(request, analyst):
    if request.param == "default":
        feature_spec = spec_register(REPO_SPECS / "default.toml")
    else:
        feature_spec = spec_register(SPECS / "small.toml")
    history_load(feature_spec, n=1500, seed=5)
    out, _ = run("train_model", "--spec", feature_spec.name, "--wait", "--as", analyst.username)
    version = ModelVersion.objects.get(pk=int(out.strip().splitlines()[-1]))
    return feature_spec, version


def test_train_model_prints_the_new_version_id(trained, analyst):
    feature_spec, version = trained
    assert version.specification == feature_spec
    assert version.trained_by == analyst


def test_model_card_json_has_every_documented_key(trained):
    feature_spec, version = trained
    out, _ = run("model_card", str(version.pk), "--json")
    card = json.loads(out)
    for section, key in REQUIRED_CARD_KEYS:
        assert card[section][key] is not None, (section, key)
    for attribute in (f.name for f in feature_spec.specification.protected):
        for group in card["groups"][attribute].values():
            assert {"n", "fpr", "fnr", "selection_rate"} <= set(group)
    # Intervals beside their figures, and the gate's verdict at the top, for scripts.
    for name in ("auc", "accuracy", "majority_accuracy", "brier", "ece"):
        low, high = card["metrics"][f"{name}_interval"]
        assert low <= high
    assert isinstance(card["quality_gate"]["passed"], bool)
    assert isinstance(card["quality_gate"]["reasons"], list)


def test_model_card_text_says_when_intervals_were_not_computed(trained):
    _, version = trained
    card = version.model_card
    card["metrics"] = {k: v for k, v in card["metrics"].items() if not k.endswith("_interval")}
    ModelVersion.objects.filter(pk=version.pk).update(model_card=card)
    out, _ = run("model_card", str(version.pk))
    assert "intervals not computed" in out
    assert "quality gate:" in out


def test_explain_json_for_one_citizen(trained, tmp_path):
    feature_spec, version = trained
    record = feature_spec.training_records.order_by("record_id").first()
    path = tmp_path / "citizen.json"
    path.write_text(json.dumps(record.inputs), encoding="utf-8")
    out, _ = run("explain", str(version.pk), "--input", str(path), "--json")
    explanation = json.loads(out)
    assert 0 <= explanation["probability"] <= 1
    assert explanation["band"] in {"low", "medium", "high"}
    low, high = explanation["interval"]
    assert low <= explanation["probability"] <= high
    assert explanation["leaf_n"] >= 30
    assert explanation["base_rate"] == pytest.approx(version.base_rate)
    for rule in explanation["rules"]:
        assert rule["text_da"] and rule["text_en"] and rule["feature"]
        assert "<=" not in rule["text_da"]
        assert isinstance(rule["contribution"], float)


def test_explain_names_a_missing_required_input(trained, tmp_path):
    feature_spec, version = trained
    required = next(f for f in feature_spec.specification.inputs if f.required)
    path = tmp_path / "citizen.json"
    path.write_text("{}", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="missing"):
        call_command("explain", str(version.pk), "--input", str(path), stdout=out)
    assert required.label_da in out.getvalue()


def test_explain_reports_bad_input_clearly(trained, tmp_path):
    _, version = trained
    path = tmp_path / "citizen.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run("explain", str(version.pk), "--input", str(path))
    with pytest.raises(CommandError, match="No model version"):
        run("model_card", "999999", "--json")


def test_train_model_refuses_an_unknown_specification(jobcenter):
    with pytest.raises(CommandError, match="No specification named 'nope'"):
        run("train_model", "--spec", "nope")


def test_train_model_needs_a_jobcenter_named_when_there_are_several(jobcenter, db):
    from tests.factories import JobcenterFactory

    JobcenterFactory(name="Jobcenter Andetsteds", municipality_code="902")
    with pytest.raises(CommandError, match="--jobcenter CODE"):
        run("train_model", "--spec", "default")
    with pytest.raises(CommandError, match="No jobcenter with municipality code '999'"):
        run("train_model", "--spec", "default", "--jobcenter", "999")


def test_train_model_refuses_a_caseworker(caseworker):
    feature_spec = spec_register(SPECS / "small.toml")
    history_load(feature_spec, n=600)
    with pytest.raises(CommandError, match="may train"):
        run("train_model", "--spec", feature_spec.name, "--as", caseworker.username)
