"""Explanations: rules in plain Danish and English, read off a real fitted pipeline.

Pure tests (no database). The pipelines are fitted here on synthetic data, not through
``prediction.training``, so these tests only depend on the encoder.
"""

from __future__ import annotations

import itertools
import json
import math
import pathlib
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from prediction.encoding import encoder_for
from prediction.explanations import (
    Explanation,
    NotScorable,
    Rule,
    compile_tree,
    explain,
    risk_band,
    tree_rules,
    wilson_interval,
)
from prediction.specification import default_specification, specification_from_file

SMALL_SPEC = pathlib.Path(__file__).parent / "specs" / "small.toml"


# -- Synthetic data and fitted pipelines (imported by the scoring and drift tests) --------


def synthetic_inputs(specification, n, *, seed=0, missing=0.1, fractional=()):
    """A frame of parsed inputs for every input of ``specification``: whole numbers
    within each numeric input's bounds (or fractions for inputs in ``fractional``), a
    random category, a random boolean; optional inputs missing with share ``missing``."""
    rng = np.random.default_rng(seed)
    columns = {}
    for feature in specification.inputs:
        if feature.type == "numeric":
            low = feature.min if feature.min is not None else 0.0
            high = feature.max if feature.max is not None else 100.0
            if feature.name in fractional:
                values = rng.uniform(low, high, n).round(3)
            else:
                values = rng.integers(int(low), int(high) + 1, n).astype(float)
            column = pd.Series(values, dtype=object)
        elif feature.type == "categorical":
            weights = rng.uniform(0.5, 1.5, len(feature.values))
            column = pd.Series(
                rng.choice(list(feature.values), n, p=weights / weights.sum()), dtype=object
            )
        else:
            column = pd.Series(rng.random(n) < 0.6, dtype=object)
        if not feature.required and missing:
            column[rng.random(n) < missing] = None
        columns[feature.name] = column
    return pd.DataFrame(columns)


def synthetic_outcome(specification, inputs, *, seed=0):
    """A noisy outcome that depends on every input (so the tree splits on all kinds)."""
    rng = np.random.default_rng(seed + 1)
    logit = np.full(len(inputs), -0.3)
    for feature in specification.inputs:
        column = inputs[feature.name]
        if feature.type == "numeric":
            values = pd.to_numeric(column, errors="coerce").astype(float)
            spread = values.std() or 1.0
            effect = ((values - values.mean()) / spread).fillna(0.0) * rng.normal(0.0, 0.8)
        elif feature.type == "categorical":
            effects = dict(
                zip(feature.values, rng.normal(0.0, 1.0, len(feature.values)), strict=True)
            )
            effect = column.map(effects).astype(float).fillna(0.3)
        else:
            effect = column.map({True: -0.7, False: 0.5}).astype(float).fillna(0.9)
        logit = logit + effect.to_numpy()
    return (rng.random(len(inputs)) < 1.0 / (1.0 + np.exp(-logit))).astype(int)


def fit_pipeline(specification, inputs, outcome, *, max_depth=6, min_samples_leaf=20):
    pipeline = Pipeline(
        [
            ("encode", encoder_for(specification)),
            (
                "tree",
                DecisionTreeClassifier(
                    max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=0
                ),
            ),
        ]
    )
    return pipeline.fit(inputs, outcome)


def rows(frame):
    """The frame's rows as dicts of parsed values (NaN/None -> None)."""
    records = frame.astype(object).to_dict("records")
    return [
        {
            k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
            for k, v in r.items()
        }
        for r in records
    ]


def fitted(specification, n=6000, seed=0, **kwargs):
    fractional = kwargs.pop("fractional", ())
    inputs = synthetic_inputs(specification, n, seed=seed, fractional=fractional)
    outcome = synthetic_outcome(specification, inputs, seed=seed)
    pipeline = fit_pipeline(specification, inputs, outcome, **kwargs)
    return inputs, outcome, pipeline, compile_tree(pipeline=pipeline, specification=specification)


SPECIFICATIONS = {
    "default": default_specification,
    "small": lambda: specification_from_file(SMALL_SPEC),
}


@pytest.fixture(scope="module", params=sorted(SPECIFICATIONS))
def model(request):
    specification = SPECIFICATIONS[request.param]()
    inputs, outcome, pipeline, compiled = fitted(
        specification, fractional={"age"} if request.param == "small" else ()
    )
    return specification, inputs, outcome, pipeline, compiled


def _walk_texts(explanation, language="da"):
    return [rule.text_da if language == "da" else rule.text_en for rule in explanation.rules]


# -- Scores and contributions ------------------------------------------------------------


def test_it_gives_the_same_probability_as_predict_proba(model):
    specification, inputs, outcome, pipeline, compiled = model
    sample = inputs.iloc[:800]
    expected = pipeline.predict_proba(sample)[:, 1]
    leaves = pipeline.named_steps["tree"].apply(pipeline.named_steps["encode"].transform(sample))
    for i, values in enumerate(rows(sample)):
        result = explain(compiled=compiled, inputs=values, base_rate=0.4)
        assert isinstance(result, Explanation)
        assert result.probability == expected[i]
        assert result.leaf_id == leaves[i]


def test_it_adds_rule_contributions_up_from_the_root_rate_to_the_score(model):
    _, inputs, outcome, _, compiled = model
    root = compiled.root_rate
    assert root == pytest.approx(outcome.mean())
    for values in rows(inputs.iloc[:200]):
        result = explain(compiled=compiled, inputs=values, base_rate=root)
        assert result.rules, "a fitted tree of depth 6 has splits"
        assert result.rules[0].probability_before == root
        total = sum(rule.contribution for rule in result.rules)
        assert root + total == pytest.approx(result.probability, abs=1e-12)
        for before, after in itertools.pairwise(result.rules):
            assert before.probability_after == after.probability_before
        assert result.rules[-1].probability_after == result.probability


def test_it_reports_the_leaf_its_size_and_a_wilson_interval(model):
    _, inputs, _, pipeline, compiled = model
    result = explain(compiled=compiled, inputs=rows(inputs.iloc[:1])[0], base_rate=0.4)
    tree = pipeline.named_steps["tree"].tree_
    assert result.leaf_n == tree.n_node_samples[result.leaf_id]
    assert result.leaf_positives == round(result.probability * result.leaf_n)
    assert result.interval == wilson_interval(result.leaf_positives, result.leaf_n)
    assert result.interval[0] <= result.probability <= result.interval[1]
    assert result.base_rate == 0.4


def test_it_never_shows_encoded_codes(model):
    specification, inputs, _, _, compiled = model
    names = [feature.name for feature in specification.inputs]
    for leaf in tree_rules(compiled=compiled):
        for rule in leaf.conditions:
            for text in (rule.text_da, rule.text_en):
                assert "<=" not in text and ">" not in text
                assert not any(text.startswith(name + " ") for name in names)


# -- Rule wording ------------------------------------------------------------------------


def test_categorical_rules_list_labels_of_exactly_the_categories_on_that_branch():
    specification = default_specification()
    inputs, _, pipeline, compiled = fitted(specification, n=8000)
    encoder = pipeline.named_steps["encode"]
    seen = 0
    for values in rows(inputs.iloc[:300]):
        result = explain(compiled=compiled, inputs=values, base_rate=0.4)
        node = 0
        for rule in result.rules:
            j = compiled.feature[node]
            name, threshold = compiled.columns[j], compiled.threshold[node]
            went_left = _goes_left(compiled, node, values)
            if compiled.kinds[j] == "categorical" and values[name] is not None:
                branch = (
                    encoder.categories_at_or_below(name, threshold)
                    if went_left
                    else encoder.categories_above(name, threshold)
                )
                assert values[name] in branch
                feature = specification.feature(name)
                in_order = [v for v in feature.values if v in branch]  # the file's order
                for language, text in (("da", rule.text_da), ("en", rule.text_en)):
                    labels = [feature.value_label(v, language) for v in in_order]
                    one, many = (
                        (" er ", " er en af: ") if language == "da" else (" is ", " is one of: ")
                    )
                    prefix = feature.label(language) + (many if len(labels) > 1 else one)
                    separator = "; " if any("," in label for label in labels) else ", "
                    assert text == prefix + separator.join(labels)
                    assert not re.search(r"\d\.5", text)
                seen += 1
            node = compiled.left[node] if went_left else compiled.right[node]
        assert node == result.leaf_id
    assert seen > 0


def _fit_on(specification, inputs, outcome, depth=1):
    pipeline = fit_pipeline(specification, inputs, outcome, max_depth=depth, min_samples_leaf=1)
    return pipeline, compile_tree(pipeline=pipeline, specification=specification)


def _default_frame(n=400, seed=3):
    return synthetic_inputs(default_specification(), n, seed=seed, missing=0.0)


def test_numeric_rules_on_whole_numbers_read_at_most_and_at_least():
    specification = default_specification()
    inputs = _default_frame()
    outcome = (inputs["age"].astype(float) <= 29).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    assert compiled.threshold[0] == 29.5
    young = explain(compiled=compiled, inputs={**rows(inputs)[0], "age": 25.0}, base_rate=0.3)
    old = explain(compiled=compiled, inputs={**rows(inputs)[0], "age": 30.0}, base_rate=0.3)
    assert [r.text_da for r in young.rules] == ["Alder er højst 29 år"]
    assert [r.text_en for r in young.rules] == ["Age is at most 29 years"]
    assert [r.text_da for r in old.rules] == ["Alder er mindst 30 år"]
    assert [r.text_en for r in old.rules] == ["Age is at least 30 years"]
    # A value between whole numbers still gets a true sentence.
    between = explain(compiled=compiled, inputs={**rows(inputs)[0], "age": 29.7}, base_rate=0.3)
    assert [r.text_da for r in between.rules] == ["Alder er over 29,5 år"]
    assert [r.text_en for r in between.rules] == ["Age is more than 29.5 years"]


def test_numeric_rules_at_the_lowest_value_say_is():
    specification = default_specification()
    inputs = _default_frame()
    outcome = (inputs["job_search_activity"].astype(float) == 0).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    texts = [rule.text_da for rule in tree_rules(compiled=compiled)[0].conditions]
    assert texts == ["Registrerede jobsøgninger de seneste 4 uger er 0 jobsøgninger"]
    texts = [rule.text_en for rule in tree_rules(compiled=compiled)[1].conditions]
    assert texts == ["Registered job applications in the last 4 weeks is at least 1 application"]


def test_numeric_rules_on_fractions_use_a_danish_decimal_comma():
    specification = specification_from_file(SMALL_SPEC)
    inputs = synthetic_inputs(specification, 400, seed=1, missing=0.0, fractional={"age"})
    outcome = (inputs["age"].astype(float) > 41.25).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    threshold = compiled.threshold[0]
    assert threshold != int(threshold)
    shown_en = (
        f"{threshold:.6g}"
        if abs(threshold - round(threshold, 2)) > 1e-9
        else (f"{threshold:.2f}".rstrip("0"))
    )
    leaf = [r for r in tree_rules(compiled=compiled) if r.probability == 1.0][0]
    assert [c.text_en for c in leaf.conditions] == [f"Age is more than {shown_en}"]
    # The small specification has no Danish label for age: it falls back to English.
    assert [c.text_da for c in leaf.conditions] == [f"Age er over {shown_en.replace('.', ',')}"]


def test_boolean_rules_read_yes_and_no():
    specification = default_specification()
    inputs = _default_frame()
    outcome = (~inputs["cv_complete"].astype(bool)).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    leaves = {leaf.probability: leaf for leaf in tree_rules(compiled=compiled)}
    no, yes = leaves[1.0].conditions[0], leaves[0.0].conditions[0]
    # cv_complete is optional: the whole-tree rules say where a missing value goes.
    missing_side = " (eller oplysningen mangler)"
    assert no.text_da.removesuffix(missing_side) == "CV på Jobnet er udfyldt: nej"
    assert no.text_en.removesuffix(" (or the information is missing)") == (
        "CV on Jobnet is complete: no"
    )
    assert yes.text_da.removesuffix(missing_side) == "CV på Jobnet er udfyldt: ja"
    assert (missing_side in no.text_da) == bool(compiled.missing_left[0])
    assert (missing_side in yes.text_da) == (not compiled.missing_left[0])
    citizen = {**rows(inputs)[0], "cv_complete": False}
    result = explain(compiled=compiled, inputs=citizen, base_rate=0.5)
    assert [r.text_da for r in result.rules] == ["CV på Jobnet er udfyldt: nej"]
    assert [r.text_en for r in result.rules] == ["CV on Jobnet is complete: no"]


def test_a_single_category_reads_is():
    specification = default_specification()
    inputs = _default_frame(n=2000)
    outcome = (inputs["benefit_type"] == "kontanthjaelp_aktivitetsparat").astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    top = tree_rules(compiled=compiled)[0]
    assert top.probability == 1.0
    assert [c.text_da for c in top.conditions] == ["Ydelse er Kontanthjælp, aktivitetsparat"]
    assert [c.text_en for c in top.conditions] == [
        "Benefit type is Social assistance, not yet job-ready"
    ]
    other = tree_rules(compiled=compiled)[1].conditions[0]
    # Labels that hold commas are separated by semicolons, in the file's order.
    assert other.text_da == ("Ydelse er en af: Dagpenge; Kontanthjælp, jobparat; Uddannelseshjælp")


# -- Missing inputs ----------------------------------------------------------------------


def test_a_missing_required_input_is_not_scored_and_named(model):
    specification, inputs, _, _, compiled = model
    citizen = rows(inputs.iloc[:1])[0]
    age = specification.feature("age")
    for missing_value in (None, math.nan):
        result = explain(compiled=compiled, inputs={**citizen, "age": missing_value}, base_rate=0.4)
        assert isinstance(result, NotScorable)
        assert result.missing == ("age",)
        assert age.label_da in result.message_da
        assert age.label_en in result.message_en
    absent = {k: v for k, v in citizen.items() if k != "age"}
    result = explain(compiled=compiled, inputs=absent, base_rate=0.4)
    assert isinstance(result, NotScorable) and result.missing == ("age",)
    assert json.loads(json.dumps(result.to_dict()))["missing"] == ["age"]


def test_it_names_every_missing_required_input_in_danish():
    specification = default_specification()
    _, _, _, compiled = fitted(specification, n=2000)
    result = explain(compiled=compiled, inputs={"cv_complete": True}, base_rate=0.4)
    assert isinstance(result, NotScorable)
    required = [f for f in specification.inputs if f.required]
    assert result.missing == tuple(f.name for f in required)
    assert result.message_da.startswith("Der kan ikke beregnes et skøn")
    assert "Alder" in result.message_da and "Højeste fuldførte uddannelse" in result.message_da
    assert "Highest completed education" in result.message_en
    assert "cv_complete" not in result.missing  # optional


def test_an_unknown_category_of_a_required_input_is_not_scored():
    specification = default_specification()
    inputs, _, _, compiled = fitted(specification, n=2000)
    citizen = {**rows(inputs.iloc[:1])[0], "education": "phd"}
    result = explain(compiled=compiled, inputs=citizen, base_rate=0.4)
    assert isinstance(result, NotScorable) and result.missing == ("education",)


def test_a_missing_optional_input_follows_the_learned_direction(model):
    specification, inputs, _, pipeline, compiled = model
    optional = [f.name for f in specification.inputs if not f.required]
    assert optional
    name = optional[0]
    label = specification.feature(name)
    checked = 0
    for values in rows(inputs.iloc[:400]):
        citizen = {**values, name: None}
        result = explain(compiled=compiled, inputs=citizen, base_rate=0.4)
        expected = pipeline.predict_proba(pd.DataFrame([citizen]).astype(object))[0, 1]
        assert result.probability == expected
        node = 0
        for rule in result.rules:
            j = compiled.feature[node]
            if compiled.columns[j] == name:
                assert rule.text_da == f"{label.label_da}: oplysningen mangler"
                assert rule.text_en == f"{label.label_en}: the information is missing"
                child = compiled.left[node] if compiled.missing_left[node] else compiled.right[node]
                assert rule.probability_after == compiled.rate[child]
                checked += 1
            node = (
                compiled.left[node] if _goes_left(compiled, node, citizen) else compiled.right[node]
            )
        assert node == result.leaf_id
    assert checked > 0


def _goes_left(compiled, node, citizen):
    j = compiled.feature[node]
    name, kind = compiled.columns[j], compiled.kinds[j]
    value = citizen.get(name)
    if value is None:
        return bool(compiled.missing_left[node])
    if kind == "categorical":
        value = compiled.encoder.categories_[name].index(value)
    return float(np.float32(float(value))) <= compiled.threshold[node]


# -- Numbers, bands and meaning ----------------------------------------------------------


def test_wilson_interval_matches_known_values():
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)
    assert wilson_interval(20, 20)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    narrow, wide = wilson_interval(500, 1000), wilson_interval(5, 10)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]


@pytest.mark.parametrize(
    ("probability", "band"),
    [
        (0.0, "low"),
        (0.2999, "low"),
        (0.3, "medium"),
        (0.5999, "medium"),
        (0.6, "high"),
        (1.0, "high"),
    ],
)
def test_risk_band_boundaries(probability, band):
    assert risk_band(probability, (0.3, 0.6)) == band


def test_risk_band_with_other_cutoffs_and_bad_ones():
    assert risk_band(0.25, (0.2, 0.5)) == "medium"
    assert risk_band(0.5, (0.2, 0.5)) == "high"
    assert risk_band(0.19, (0.2, 0.5)) == "low"
    with pytest.raises(ValueError):
        risk_band(0.5, (0.6, 0.3))
    with pytest.raises(ValueError):
        risk_band(math.nan, (0.3, 0.6))


def test_explain_uses_the_band_cutoffs(model):
    _, inputs, _, _, compiled = model
    citizen = rows(inputs.iloc[:1])[0]
    p = explain(compiled=compiled, inputs=citizen, base_rate=0.4).probability
    assert (
        explain(compiled=compiled, inputs=citizen, band_cutoffs=(p, 1.0), base_rate=0.4).band
        == "medium"
    )
    assert (
        explain(compiled=compiled, inputs=citizen, band_cutoffs=(0.0, p), base_rate=0.4).band
        == "high"
    )
    above = min(1.0, p + 1e-9)
    assert (
        explain(compiled=compiled, inputs=citizen, band_cutoffs=(above, 1.0), base_rate=0.4).band
        == "low"
    )


def _two_group_model(share_a, share_b, n=200):
    """A depth-1 tree on driving_licence with exact leaf rates share_a (no licence) and
    share_b (licence)."""
    specification = default_specification()
    inputs = _default_frame(n=2 * n, seed=9)
    inputs["driving_licence"] = [False] * n + [True] * n
    outcome = np.r_[np.arange(n) < share_a * n, np.arange(n) < share_b * n].astype(int)
    return _fit_on(specification, inputs, outcome), rows(inputs)


@pytest.mark.parametrize(
    ("share", "every_da", "every_en", "way_da", "way_en"),
    [
        (0.25, "1 af 4", "1 in 4", "alligevel", "applied after all"),
        (0.1, "1 af 10", "1 in 10", "alligevel", "applied after all"),
        (0.8, "1 af 5", "1 in 5", "ikke", "did not apply"),
        (0.5, "1 af 2", "1 in 2", "ikke", "did not apply"),
    ],
)
def test_the_meaning_says_how_often_similar_citizens_went_the_other_way(
    share, every_da, every_en, way_da, way_en
):
    (_, compiled), citizens = _two_group_model(share, 0.0 if share > 0.5 else 0.9)
    result = explain(compiled=compiled, inputs=citizens[0], base_rate=0.4)
    assert result.probability == share and result.leaf_n == 200
    assert result.meaning_da.startswith("Tallet er et statistisk skøn ud fra 200 tidligere borgere")
    assert "Det er ikke en afgørelse og siger intet om personen." in result.meaning_da
    assert f"gik det for {every_da} anderledes end skønnet" in result.meaning_da
    assert f"»Stadig ledig efter 12 måneder« {way_da}." in result.meaning_da
    assert result.meaning_en.startswith("The figure is a statistical estimate based on 200 past")
    assert "It is not a decision" in result.meaning_en
    assert f"{every_en} went the other way" in result.meaning_en
    assert result.meaning_en.endswith(f"“Still unemployed after 12 months” {way_en}.")


def test_the_meaning_of_a_pure_group_claims_no_certainty():
    (_, compiled), citizens = _two_group_model(0.0, 1.0)
    low = explain(compiled=compiled, inputs=citizens[0], base_rate=0.5)
    high = explain(compiled=compiled, inputs=citizens[-1], base_rate=0.5)
    assert low.probability == 0.0 and high.probability == 1.0
    assert "for ingen af dem" in low.meaning_da and "ingen garanti" in low.meaning_da
    assert "applied to all of them" in high.meaning_en and "no guarantee" in high.meaning_en


def test_to_dict_has_both_languages_and_is_json(model):
    _, inputs, _, _, compiled = model
    result = explain(compiled=compiled, inputs=rows(inputs.iloc[:1])[0], base_rate=0.4)
    data = json.loads(json.dumps(result.to_dict()))
    assert {
        "probability",
        "band",
        "interval",
        "leaf_n",
        "base_rate",
        "rules",
        "meaning_da",
        "meaning_en",
        "leaf_id",
    } <= set(data)
    assert data["interval"] == list(result.interval)
    assert data["meaning_da"] and data["meaning_en"] and data["meaning_da"] != data["meaning_en"]
    for rule in data["rules"]:
        assert set(rule) == {
            "feature",
            "text_da",
            "text_en",
            "contribution",
            "probability_before",
            "probability_after",
            "steps",
        }
        assert rule["text_da"] and rule["text_en"]
    assert len(data["conditions"]) <= len(data["rules"])
    assert isinstance(result.rules[0], Rule)


# -- The whole tree ----------------------------------------------------------------------


def test_tree_rules_cover_every_leaf_once_and_add_up(model):
    _, _, _, pipeline, compiled = model
    tree = pipeline.named_steps["tree"].tree_
    leaves = tree_rules(compiled=compiled)
    leaf_ids = [leaf.leaf_id for leaf in leaves]
    assert sorted(leaf_ids) == sorted(np.flatnonzero(tree.children_left == -1).tolist())
    assert len(set(leaf_ids)) == len(leaf_ids)
    assert sum(leaf.n for leaf in leaves) == tree.n_node_samples[0]
    probabilities = [leaf.probability for leaf in leaves]
    assert probabilities == sorted(probabilities, reverse=True)
    for leaf in leaves:
        assert leaf.band == risk_band(leaf.probability, (0.3, 0.6))
        assert leaf.conditions[-1].probability_after == leaf.probability
        assert sum(c.contribution for c in leaf.conditions) == pytest.approx(
            leaf.probability - compiled.root_rate
        )
        assert json.loads(json.dumps(leaf.to_dict()))["leaf_id"] == leaf.leaf_id


def test_tree_rules_match_what_explain_says_for_a_citizen(model):
    _, inputs, _, _, compiled = model
    by_leaf = {leaf.leaf_id: leaf for leaf in tree_rules(compiled=compiled)}
    for values in rows(inputs.iloc[:100]):
        if any(v is None for v in values.values()):
            continue
        result = explain(compiled=compiled, inputs=values, base_rate=0.4)
        leaf = by_leaf[result.leaf_id]
        for conditions, rules in ((leaf.steps, result.rules), (leaf.conditions, result.conditions)):
            assert [c.feature for c in conditions] == [r.feature for r in rules]
            for condition, rule in zip(conditions, rules, strict=True):
                assert condition.text_da.startswith(rule.text_da)
                assert condition.text_en.startswith(rule.text_en)


def test_a_tree_without_splits_explains_with_no_rules():
    specification = specification_from_file(SMALL_SPEC)
    inputs = synthetic_inputs(specification, 50, seed=2)
    outcome = np.r_[np.ones(10), np.zeros(40)].astype(int)
    pipeline = fit_pipeline(specification, inputs, outcome, max_depth=1, min_samples_leaf=30)
    compiled = compile_tree(pipeline=pipeline, specification=specification)
    assert compiled.node_count == 1
    result = explain(compiled=compiled, inputs=rows(inputs)[0], base_rate=0.2)
    assert result.rules == () and result.probability == 0.2 and result.leaf_n == 50
    assert "for 1 af 5 " in result.meaning_da and "1 in 5" in result.meaning_en
    (leaf,) = tree_rules(compiled=compiled)
    assert leaf.conditions == () and leaf.n == 50 and leaf.band == "low"


# -- Two tests of the same input read as one -----------------------------------------------


def test_two_tests_of_the_same_age_read_as_one_range():
    """Risk is high only for ages 31-45: the tree tests age twice on that path, and the
    citizen reads one condition, "Alder er 31–45 år", with the effect of both steps."""
    specification = default_specification()
    inputs = _default_frame(n=1200, seed=4)
    age = inputs["age"].astype(float)
    outcome = ((age > 30) & (age <= 45)).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome, depth=2)
    result = explain(compiled=compiled, inputs={**rows(inputs)[0], "age": 38.0}, base_rate=0.3)
    assert [r.feature for r in result.rules] == ["age", "age"]
    (condition,) = result.conditions
    assert condition.text_da == "Alder er 31–45 år"
    assert condition.text_en == "Age is 31–45 years"
    assert condition.contribution == pytest.approx(sum(r.contribution for r in result.rules))
    assert condition.probability_after == result.probability
    assert condition.steps == 2
    assert "30,5" not in condition.text_da and "30.5" not in condition.text_en
    leaf = {leaf.leaf_id: leaf for leaf in tree_rules(compiled=compiled)}[result.leaf_id]
    assert [c.text_da for c in leaf.conditions] == ["Alder er 31–45 år"]
    assert len(leaf.steps) == 2  # the per-step effects stay for the data team


def test_merging_keeps_one_sided_tests_and_other_inputs_in_place():
    from prediction.explanations import merge_rules

    specification = default_specification()

    def numeric(lower=None, upper=None, before=0.4, after=0.5, feature="age"):
        return Rule(
            feature,
            "",
            "",
            after - before,
            before,
            after,
            kind="numeric",
            lower=lower,
            upper=upper,
            integer=True,
        )

    rules = (
        numeric(lower=25.5, before=0.40, after=0.45),
        numeric(feature="spells_5y", upper=2.5, before=0.45, after=0.30),
        numeric(lower=40.5, before=0.30, after=0.35),
    )
    merged = merge_rules(rules, specification)
    assert [r.feature for r in merged] == ["spells_5y", "age"]
    assert merged[1].text_da == "Alder er mindst 41 år"
    assert merged[1].contribution == pytest.approx(0.10)
    assert merged[1].probability_after == 0.35


def test_thresholds_are_shown_at_the_precision_the_specification_gives():
    """Money in whole kroner: a split at 41.25 reads "more than 41", never 41.25."""
    from prediction.specification import specification_from_dict

    base = specification_from_file(SMALL_SPEC)
    data = base.to_dict()
    for feature in data["features"]:
        if feature["name"] == "age":
            feature["decimals"] = 0
    specification = specification_from_dict(data)
    assert specification.feature("age").decimals == 0
    inputs = synthetic_inputs(specification, 400, seed=1, missing=0.0, fractional={"age"})
    outcome = (inputs["age"].astype(float) > 41.25).astype(int)
    _, compiled = _fit_on(specification, inputs, outcome)
    assert compiled.threshold[0] != int(compiled.threshold[0])
    leaf = [r for r in tree_rules(compiled=compiled) if r.probability == 1.0][0]
    (text,) = [c.text_en for c in leaf.conditions]
    assert re.fullmatch(r"Age is more than \d+", text), text


def test_decimals_is_validated():
    from prediction.specification import SpecificationError, specification_from_dict

    data = specification_from_file(SMALL_SPEC).to_dict()
    data["features"][0]["decimals"] = 1.5
    with pytest.raises(SpecificationError, match="decimals"):
        specification_from_dict(data)
