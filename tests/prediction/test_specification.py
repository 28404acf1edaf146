"""Tests for the feature specification parser (pure Python; no Django, no database)."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import pathlib
import pickle

import pytest

from prediction.specification import (
    DEFAULT_NEGATIVE_VALUES,
    DEFAULT_SPECIFICATION_PATH,
    Feature,
    Specification,
    SpecificationError,
    default_specification,
    format_number,
    specification_from_dict,
    specification_from_file,
    specification_from_toml,
)

SPECS = pathlib.Path(__file__).resolve().parent / "specs"


def minimal() -> dict:
    """The smallest valid specification, as a dict, for tests to break."""
    return {
        "name": "minimal",
        "version": 1,
        "title_da": "Titel",
        "title_en": "Title",
        "record": {"id": "spell_id", "as_of": "meeting2_date"},
        "outcome": {
            "column": "unemployed_12m",
            "positive": ["1", "yes"],
            "negative": ["0", "no"],
        },
        "features": [
            {"name": "age", "type": "numeric", "role": "input", "min": 15, "max": 70},
            {
                "name": "education",
                "type": "categorical",
                "role": "input",
                "values": ["primary", "master"],
                "value_labels_da": {"primary": "Grundskole"},
            },
            {"name": "cv_complete", "type": "boolean", "role": "input", "required": False},
            {
                "name": "gender",
                "type": "categorical",
                "role": "protected",
                "values": ["female", "male"],
            },
        ],
    }


def errors_of(data: dict) -> list[str]:
    with pytest.raises(SpecificationError) as info:
        specification_from_dict(data)
    return info.value.errors


def assert_error(data: dict, prefix: str, fragment: str = "") -> None:
    errors = errors_of(data)
    matching = [e for e in errors if e.startswith(prefix + ":") and fragment in e]
    assert matching, f"no error starting {prefix!r} containing {fragment!r} in {errors}"


@pytest.fixture
def spec() -> Specification:
    return specification_from_dict(minimal())


@pytest.fixture
def default() -> Specification:
    return default_specification()


def feature(**overrides) -> Feature:
    arguments = {"name": "x", "type": "numeric", "role": "input"}
    arguments.update(overrides)
    return Feature(**arguments)


# -- The shipped and fixture specifications ---------------------------------------------


def test_it_loads_the_default_specification(default):
    assert DEFAULT_SPECIFICATION_PATH.name == "default.toml"
    assert DEFAULT_SPECIFICATION_PATH.parent.name == "specs"
    assert default.name == "default"
    assert default.version == 1
    assert default.record_id == "spell_id"
    assert default.record_as_of == "meeting2_date"
    assert default.outcome_column == "unemployed_12m"
    assert default.title("da") == "Risiko for ledighed 12 måneder efter 2. samtale"
    assert default.title("en") == "Risk of unemployment 12 months after the 2nd meeting"


def test_it_names_the_domain_inputs_and_protected_attributes_in_the_default(default):
    assert [f.name for f in default.inputs] == [
        "age",
        "education",
        "months_employed_3y",
        "spells_5y",
        "previous_industry",
        "benefit_type",
        "cv_complete",
        "job_search_activity",
        "availability",
        "driving_licence",
    ]
    assert [f.name for f in default.protected] == ["gender", "origin", "postal_code"]


def test_it_describes_every_default_feature_in_both_languages(default):
    for f in default.features:
        assert f.label_da != f.name, f.name
        assert f.label_en != f.name, f.name
        assert f.description_da.endswith("."), f.name
        assert f.description_en.endswith("."), f.name
        if f.type == "categorical":
            assert set(f.value_labels_da) == set(f.values), f.name
            assert set(f.value_labels_en) == set(f.values), f.name
        if f.type == "numeric":
            assert f.min is not None and f.max is not None, f.name
            assert f.unit_da and f.unit_en, f.name


def test_it_uses_the_agreed_default_details(default):
    age = default.feature("age")
    assert (age.min, age.max, age.unit_da, age.unit_en) == (18.0, 67.0, "år", "years")
    assert default.feature("cv_complete").required is False
    assert default.feature("driving_licence").type == "boolean"
    assert default.feature("benefit_type").value_label("kontanthjaelp_jobparat", "da") == (
        "Kontanthjælp, jobparat"
    )
    assert default.feature("origin").value_label("danish", "da") == "Dansk oprindelse"
    assert len(default.feature("postal_code").values) == 8
    assert default.feature("months_employed_3y").label("da") == (
        "Måneder i beskæftigelse de seneste 3 år"
    )


def test_it_parses_the_example_in_the_public_format_description():
    example = specification_from_file(SPECS / "feature_spec_example.toml")
    assert [f.name for f in example.inputs] == ["age", "education", "cv_complete"]
    assert [f.name for f in example.protected] == ["gender"]
    assert example.feature("education").value_label("master", "da") == (
        "Lang videregående uddannelse"
    )
    assert example.feature("cv_complete").required is False
    assert example.outcome_label("en") == "Still unemployed after 12 months"


def test_it_loads_the_small_fixture_with_its_fallbacks():
    small = specification_from_file(SPECS / "small.toml")
    assert small.name == "small-test_2"
    assert small.version == 3
    assert small.record_as_of is None
    assert small.title("da") == small.title("en") == "Still on benefits after a year"
    assert small.outcome_positive == ("yes",)
    assert small.outcome_negative == DEFAULT_NEGATIVE_VALUES
    assert small.outcome_label("da") == "still_on_benefits"
    assert [f.name for f in small.inputs] == ["age", "sector", "has_car"]
    assert [f.name for f in small.protected] == ["sex"]
    assert small.feature("sex").label("en") == "sex"
    assert small.known_columns() == {
        "case_no",
        "still_on_benefits",
        "age",
        "sector",
        "has_car",
        "sex",
    }


def test_it_reports_every_error_in_an_invalid_fixture_file():
    with pytest.raises(SpecificationError) as info:
        specification_from_file(SPECS / "invalid.toml")
    errors = info.value.errors
    assert len(errors) == 4
    assert any(e.startswith("name:") for e in errors)
    assert any(e.startswith("version:") for e in errors)
    assert "features[0].lable_da: unknown key (did you mean 'label_da'?)" in errors
    assert "features[0].type: must be one of numeric, categorical, boolean, got 'text'" in errors


# -- Errors: reporting ------------------------------------------------------------------


def test_it_reports_all_errors_and_joins_them_one_per_line():
    data = minimal()
    data["version"] = "one"
    data["features"][0]["type"] = "text"
    data["features"][1]["role"] = "output"
    data["outcome"]["colum"] = "x"
    errors = errors_of(data)
    assert len(errors) == 4
    with pytest.raises(SpecificationError) as info:
        specification_from_dict(data)
    assert str(info.value) == "\n".join(errors)
    assert isinstance(info.value, ValueError)


def test_it_can_pickle_a_specification_error():
    error = SpecificationError(["a: one", "b: two"])
    assert pickle.loads(pickle.dumps(error)).errors == ["a: one", "b: two"]
    assert SpecificationError("single: problem").errors == ["single: problem"]


def test_it_turns_a_toml_syntax_error_into_a_specification_error():
    with pytest.raises(SpecificationError) as info:
        specification_from_toml('name = "x"\nversion = \n')
    assert len(info.value.errors) == 1
    assert info.value.errors[0].startswith("TOML syntax error:")
    assert "line 2" in info.value.errors[0]


def test_it_reports_missing_top_level_parts_of_an_empty_file():
    with pytest.raises(SpecificationError) as info:
        specification_from_toml("")
    prefixes = {e.split(":")[0] for e in info.value.errors}
    assert prefixes == {"name", "version", "title_da", "record", "outcome", "features"}


def test_it_rejects_a_non_table():
    with pytest.raises(SpecificationError):
        specification_from_dict(["not", "a", "table"])


def test_it_reads_bytes_with_a_byte_order_mark():
    text = (SPECS / "small.toml").read_text(encoding="utf-8")
    assert specification_from_toml(("\ufeff" + text).encode("utf-8")).name == "small-test_2"


def test_it_reports_bytes_that_are_not_utf8():
    with pytest.raises(SpecificationError, match="UTF-8"):
        specification_from_toml(b'name = "\xff"')


def test_it_lets_a_missing_file_raise_os_error(tmp_path):
    with pytest.raises(OSError):
        specification_from_file(tmp_path / "nope.toml")


# -- Errors: top level ------------------------------------------------------------------


def test_it_accepts_the_minimal_specification(spec):
    assert spec.name == "minimal"


@pytest.mark.parametrize("name", ["with space", "æble", "a.b", "", "  "])
def test_it_rejects_a_bad_name(name):
    data = minimal()
    data["name"] = name
    assert_error(data, "name")


def test_it_rejects_a_name_that_is_not_text():
    data = minimal()
    data["name"] = 5
    assert_error(data, "name", "must be text")


@pytest.mark.parametrize("version", ["1", 1.0, True, None])
def test_it_requires_version_to_be_a_whole_number(version):
    data = minimal()
    data["version"] = version
    if version is None:
        del data["version"]
    assert_error(data, "version", "is required" if version is None else "must be a whole number")


@pytest.mark.parametrize("version", [0, -1])
def test_it_requires_a_positive_version(version):
    data = minimal()
    data["version"] = version
    assert_error(data, "version", "positive")


def test_it_requires_at_least_one_title():
    data = minimal()
    del data["title_da"]
    del data["title_en"]
    assert_error(data, "title_da", "at least one of title_da and title_en")


def test_it_rejects_a_title_that_is_not_text():
    data = minimal()
    data["title_en"] = ["x"]
    errors = errors_of(data)
    assert errors == ["title_en: must be text, got ['x']"]


def test_it_rejects_an_unknown_top_level_key_and_suggests_a_fix():
    data = minimal()
    data["titel_da"] = "x"
    assert_error(data, "titel_da", "unknown key (did you mean 'title_da'?)")


def test_it_rejects_an_unknown_key_without_a_suggestion_when_nothing_is_close():
    data = minimal()
    data["zzz"] = 1
    assert errors_of(data) == ["zzz: unknown key"]


# -- Errors: record ---------------------------------------------------------------------


def test_it_requires_a_record_table():
    data = minimal()
    del data["record"]
    assert_error(data, "record", "is required")
    data["record"] = "spell_id"
    assert_error(data, "record", "must be a table")


def test_it_requires_a_record_id():
    data = minimal()
    del data["record"]["id"]
    assert_error(data, "record.id", "is required")


def test_it_treats_as_of_as_optional():
    data = minimal()
    del data["record"]["as_of"]
    spec = specification_from_dict(data)
    assert spec.record_as_of is None
    assert "meeting2_date" not in spec.known_columns()


def test_it_rejects_an_as_of_that_is_not_text():
    data = minimal()
    data["record"]["as_of"] = datetime.date(2024, 1, 1)
    assert_error(data, "record.as_of", "must be text")


def test_it_rejects_an_unknown_record_key():
    data = minimal()
    data["record"]["asof"] = "x"
    assert_error(data, "record.asof", "unknown key (did you mean 'as_of'?)")


def test_it_rejects_the_as_of_column_reusing_the_id_column():
    data = minimal()
    data["record"]["as_of"] = "spell_id"
    assert_error(data, "record.as_of", "'spell_id' is already used by record.id")


# -- Errors: outcome --------------------------------------------------------------------


def test_it_requires_an_outcome_table_with_column_and_positive():
    data = minimal()
    del data["outcome"]
    assert_error(data, "outcome", "is required")
    data = minimal()
    del data["outcome"]["column"]
    del data["outcome"]["positive"]
    errors = errors_of(data)
    assert "outcome.column: is required" in errors
    assert "outcome.positive: is required" in errors


@pytest.mark.parametrize("positive", [[], "yes", ["yes", ""], ["yes", 1]])
def test_it_requires_positive_to_be_a_non_empty_list_of_text(positive):
    data = minimal()
    data["outcome"]["positive"] = positive
    errors = errors_of(data)
    assert any(e.startswith("outcome.positive") for e in errors), errors


def test_it_hints_to_quote_a_numeric_outcome_value():
    data = minimal()
    data["outcome"]["positive"] = [1]
    assert_error(data, "outcome.positive[0]", 'write "1" in quotes')


def test_it_rejects_a_value_listed_twice_in_positive_ignoring_case():
    data = minimal()
    data["outcome"]["positive"] = ["yes", "YES"]
    assert_error(data, "outcome.positive[1]", "listed twice")


def test_it_rejects_overlap_between_positive_and_negative_ignoring_case():
    data = minimal()
    data["outcome"]["negative"] = ["0", "Yes"]
    assert_error(data, "outcome.negative[1]", "'Yes' is also listed in outcome.positive")


def test_it_rejects_an_empty_negative_list():
    data = minimal()
    data["outcome"]["negative"] = []
    assert_error(data, "outcome.negative", "must not be empty")


def test_it_uses_the_default_negatives_when_negative_is_absent():
    data = minimal()
    del data["outcome"]["negative"]
    spec = specification_from_dict(data)
    assert spec.outcome_negative == DEFAULT_NEGATIVE_VALUES
    assert spec.parse_outcome("nej") is False
    with pytest.raises(ValueError, match="not an allowed outcome value"):
        spec.parse_outcome("maybe")


def test_it_leaves_positive_values_out_of_the_default_negatives():
    data = minimal()
    del data["outcome"]["negative"]
    data["outcome"]["positive"] = ["No"]  # odd, but "No" must then mean positive
    spec = specification_from_dict(data)
    assert spec.outcome_negative == ("0", "nej", "false")
    assert spec.parse_outcome("no") is True


def test_it_rejects_an_unknown_outcome_key():
    data = minimal()
    data["outcome"]["lable_en"] = "x"
    assert_error(data, "outcome.lable_en", "did you mean 'label_en'?")


def test_it_rejects_the_outcome_column_reusing_the_id_column():
    data = minimal()
    data["outcome"]["column"] = "spell_id"
    assert_error(data, "outcome.column", "already used by record.id")


# -- Errors: features -------------------------------------------------------------------


def test_it_requires_features():
    data = minimal()
    del data["features"]
    assert_error(data, "features", "at least one feature is required")
    data["features"] = []
    assert_error(data, "features", "at least one feature is required")
    data["features"] = {"name": "age"}
    assert_error(data, "features", "must be a list of tables")


def test_it_rejects_a_feature_that_is_not_a_table():
    data = minimal()
    data["features"].append("age")
    assert_error(data, "features[4]", "must be a table")


def test_it_requires_at_least_one_input():
    data = minimal()
    for f in data["features"]:
        f["role"] = "protected"
    assert_error(data, "features", 'at least one feature must have role = "input"')


def test_it_names_the_feature_index_of_a_bad_type():
    data = minimal()
    data["features"][2]["type"] = "text"
    assert errors_of(data) == [
        "features[2].type: must be one of numeric, categorical, boolean, got 'text'"
    ]


@pytest.mark.parametrize("key", ["name", "type", "role"])
def test_it_requires_name_type_and_role(key):
    data = minimal()
    del data["features"][0][key]
    assert_error(data, f"features[0].{key}", "is required")


def test_it_rejects_an_unknown_role():
    data = minimal()
    data["features"][3]["role"] = "fairness"
    assert_error(data, "features[3].role", "must be one of input, protected, got 'fairness'")


def test_it_rejects_a_misspelt_feature_key():
    data = minimal()
    data["features"][3]["lable_da"] = "Køn"
    assert errors_of(data) == ["features[3].lable_da: unknown key (did you mean 'label_da'?)"]


def test_it_rejects_duplicate_feature_names():
    data = minimal()
    data["features"][2]["name"] = "age"
    assert_error(data, "features[2].name", "'age' is already used by features[0].name")


def test_it_reports_a_duplicate_name_even_when_the_first_feature_has_other_errors():
    data = minimal()
    data["features"][0]["type"] = "text"
    data["features"][2]["name"] = "age"
    errors = errors_of(data)
    assert any(e.startswith("features[2].name:") for e in errors), errors


@pytest.mark.parametrize(
    ("column", "owner"),
    [
        ("spell_id", "record.id"),
        ("meeting2_date", "record.as_of"),
        ("unemployed_12m", "outcome.column"),
    ],
)
def test_it_rejects_a_feature_named_like_a_record_or_outcome_column(column, owner):
    data = minimal()
    data["features"][1]["name"] = column
    assert_error(data, "features[1].name", f"{column!r} is already used by {owner}")


def test_it_rejects_a_feature_name_with_control_characters():
    data = minimal()
    data["features"][0]["name"] = "a\tb"
    assert_error(data, "features[0].name", "control characters")


def test_it_requires_values_for_a_categorical_feature():
    data = minimal()
    del data["features"][3]["values"]
    assert_error(data, "features[3].values", "is required")
    data["features"][3]["values"] = []
    assert_error(data, "features[3].values", "must not be empty")


def test_it_rejects_repeated_categorical_values_ignoring_case():
    data = minimal()
    data["features"][3]["values"] = ["female", "male", "Male"]
    assert_error(data, "features[3].values[2]", "'Male' is listed twice")


def test_it_rejects_values_that_are_not_text():
    data = minimal()
    data["features"][3]["values"] = ["female", 2]
    assert_error(data, "features[3].values[1]", "must be text")


def test_it_rejects_a_value_label_for_an_unknown_value():
    data = minimal()
    data["features"][1]["value_labels_en"] = {"phd": "PhD"}
    assert_error(data, "features[1].value_labels_en.phd", "not one of the feature's values")


def test_it_quotes_an_odd_value_label_key_in_the_path():
    data = minimal()
    data["features"][1]["value_labels_en"] = {"ph d": "PhD"}
    assert_error(data, 'features[1].value_labels_en."ph d"')


def test_it_rejects_a_value_label_that_is_not_text():
    data = minimal()
    data["features"][1]["value_labels_da"] = {"primary": 1}
    assert_error(data, "features[1].value_labels_da.primary", "non-empty text")
    data["features"][1]["value_labels_da"] = "Grundskole"
    assert_error(data, "features[1].value_labels_da", "must be a table")


@pytest.mark.parametrize(
    ("index", "key", "value", "allowed_type"),
    [
        (1, "min", 0, "numeric"),
        (2, "max", 1, "numeric"),
        (3, "unit_da", "år", "numeric"),
        (0, "values", ["a"], "categorical"),
        (2, "value_labels_da", {"true": "ja"}, "categorical"),
    ],
)
def test_it_rejects_keys_for_another_type(index, key, value, allowed_type):
    data = minimal()
    data["features"][index][key] = value
    assert_error(data, f"features[{index}].{key}", f"only allowed for {allowed_type} features")


def test_it_rejects_min_greater_than_max():
    data = minimal()
    data["features"][0]["min"] = 70
    data["features"][0]["max"] = 15
    assert_error(data, "features[0].min", "must not be greater than max (70 > 15)")


@pytest.mark.parametrize("bad", ["15", True, float("inf"), float("nan")])
def test_it_rejects_a_bound_that_is_not_a_finite_number(bad):
    data = minimal()
    data["features"][0]["min"] = bad
    assert_error(data, "features[0].min", "must be a")


def test_it_accepts_equal_bounds_and_one_sided_bounds():
    data = minimal()
    data["features"][0]["min"] = 30
    data["features"][0]["max"] = 30.0
    assert specification_from_dict(data).feature("age").max == 30.0
    del data["features"][0]["max"]
    assert specification_from_dict(data).feature("age").max is None


def test_it_requires_required_to_be_a_boolean():
    data = minimal()
    data["features"][0]["required"] = "no"
    assert_error(data, "features[0].required", "must be true or false")


@pytest.mark.parametrize(
    "key", ["label_da", "label_en", "description_da", "description_en", "unit_en"]
)
def test_it_rejects_text_keys_that_are_not_text(key):
    data = minimal()
    data["features"][0][key] = 3
    assert_error(data, f"features[0].{key}", "must be text")


def test_it_reports_toml_typos_in_a_realistic_file():
    text = (SPECS / "feature_spec_example.toml").read_text(encoding="utf-8")
    text = text.replace('label_da = "Alder"', 'lable_da = "Alder"')
    text = text.replace('type = "boolean"', 'type = "bool"')
    with pytest.raises(SpecificationError) as info:
        specification_from_toml(text)
    assert info.value.errors == [
        "features[0].lable_da: unknown key (did you mean 'label_da'?)",
        "features[2].type: must be one of numeric, categorical, boolean, got 'bool'",
    ]


# -- Inputs and protected attributes ----------------------------------------------------


def test_it_never_treats_a_protected_attribute_as_an_input(spec, default):
    for s in (spec, default):
        assert all(f.role == "input" for f in s.inputs)
        assert all(f.role == "protected" for f in s.protected)
        assert not {f.name for f in s.inputs} & {f.name for f in s.protected}
        assert len(s.inputs) + len(s.protected) == len(s.features)
    assert "gender" not in [f.name for f in spec.inputs]
    assert spec.feature("gender").is_protected
    assert not spec.feature("gender").is_input


def test_it_looks_up_a_feature_by_name(spec):
    assert spec.feature("age").type == "numeric"
    with pytest.raises(KeyError):
        spec.feature("shoe_size")


def test_it_lists_the_known_columns(spec):
    assert spec.known_columns() == {
        "spell_id",
        "meeting2_date",
        "unemployed_12m",
        "age",
        "education",
        "cv_complete",
        "gender",
    }


# -- Labels and fallbacks ---------------------------------------------------------------


def test_it_falls_back_to_the_other_language_then_the_name():
    data = minimal()
    data["features"][0]["label_da"] = "Alder"
    data["features"][1]["label_en"] = "Education"
    data["features"][2]["label_en"] = "  "
    spec = specification_from_dict(data)
    assert spec.feature("age").label("en") == "Alder"
    assert spec.feature("education").label("da") == "Education"
    assert spec.feature("cv_complete").label("da") == "cv_complete"
    assert spec.feature("cv_complete").label("en") == "cv_complete"


def test_it_falls_back_for_titles_and_the_outcome_label():
    data = minimal()
    del data["title_en"]
    data["outcome"]["label_en"] = "Still unemployed"
    spec = specification_from_dict(data)
    assert spec.title("en") == "Titel"
    assert spec.outcome_label("da") == "Still unemployed"
    del data["outcome"]["label_en"]
    assert specification_from_dict(data).outcome_label("en") == "unemployed_12m"


def test_it_treats_regional_and_unknown_languages_sensibly(default):
    age = default.feature("age")
    assert age.label("en-gb") == "Age"
    assert age.label("EN") == "Age"
    assert age.label("da-dk") == "Alder"
    assert age.label("de") == "Alder"


def test_it_labels_categorical_values_with_fallbacks(spec):
    education = spec.feature("education")
    assert education.value_label("primary", "da") == "Grundskole"
    assert education.value_label("primary", "en") == "Grundskole"
    assert education.value_label("master", "en") == "master"
    assert education.value_label("MASTER", "da") == "master"
    assert education.value_label("phd", "da") == "phd"


def test_it_labels_booleans_in_danish_and_english(spec):
    cv = spec.feature("cv_complete")
    assert cv.value_label(True, "da") == "ja"
    assert cv.value_label(False, "da") == "nej"
    assert cv.value_label(True, "en") == "yes"
    assert cv.value_label("0", "en") == "no"
    assert cv.value_label("Ja", "en") == "yes"


def test_it_labels_numbers_with_their_unit(default):
    age = default.feature("age")
    assert age.value_label(42, "da") == "42 år"
    assert age.value_label(42.0, "en") == "42 years"
    assert age.value_label("42,5", "da") == "42,5 år"
    assert age.value_label(42.25, "en") == "42.25 years"
    assert feature().value_label(3, "da") == "3"


def test_it_labels_a_missing_value(spec):
    assert spec.feature("age").value_label(None, "da") == "mangler"
    assert spec.feature("education").value_label("", "en") == "missing"


def test_it_formats_numbers_by_language():
    assert format_number(1234567, "da") == "1.234.567"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(3.5, "da") == "3,5"
    assert format_number(1 / 3, "en") == "0.33"
    assert format_number(-0.001, "en") == "0"


def test_it_falls_back_for_units_and_descriptions():
    f = feature(unit_en="years", description_da="Din alder.")
    assert f.unit("da") == "years"
    assert f.description("en") == "Din alder."
    assert feature().unit("da") == ""


def test_it_applies_label_fallbacks_when_built_directly():
    f = Feature(name="age", type="numeric", role="input", label_da="", label_en="Age")
    assert f.label_da == "Age"
    assert Feature(name="age", type="numeric", role="input").label("en") == "age"


# -- parse_value ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_it_reads_an_empty_cell_as_missing(spec, raw):
    for f in spec.features:
        assert f.parse_value(raw) is None


def test_it_reads_nan_as_missing(spec):
    assert spec.feature("age").parse_value(float("nan")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42.0), (" 42 ", 42.0), ("42.5", 42.5), ("42,5", 42.5), (42, 42.0), (15.0, 15.0)],
)
def test_it_reads_numbers(spec, raw, expected):
    value = spec.feature("age").parse_value(raw)
    assert value == expected
    assert isinstance(value, float)


@pytest.mark.parametrize("raw", ["abc", "1.234,5", "nan", "inf", "4 2 x", "1_000", True, "0x10"])
def test_it_rejects_text_that_is_not_a_number(spec, raw):
    with pytest.raises(ValueError, match="not a"):
        spec.feature("age").parse_value(raw)


def test_it_names_the_bad_number(spec):
    with pytest.raises(ValueError, match=r"^'abc' is not a number$"):
        spec.feature("age").parse_value("abc")


def test_it_checks_numeric_bounds(spec):
    age = spec.feature("age")
    assert age.parse_value("15") == 15.0
    assert age.parse_value("70") == 70.0
    with pytest.raises(ValueError, match=r"^71\.0 is above the maximum 70$"):
        age.parse_value("71")
    with pytest.raises(ValueError, match=r"^14\.5 is below the minimum 15$"):
        age.parse_value(14.5)


def test_it_reads_unbounded_numbers():
    assert feature().parse_value("-1e3") == -1000.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("primary", "primary"), (" Primary ", "primary"), ("MASTER", "master")],
)
def test_it_reads_categorical_values_canonically(spec, raw, expected):
    assert spec.feature("education").parse_value(raw) == expected


def test_it_rejects_an_unknown_category(spec):
    with pytest.raises(ValueError, match=r"^'phd' is not one of: primary, master$"):
        spec.feature("education").parse_value("phd")


def test_it_reads_numeric_cells_as_category_text(default):
    postal = default.feature("postal_code")
    assert postal.parse_value(7400) == "7400"
    assert postal.parse_value(7400.0) == "7400"
    assert postal.parse_value("7400") == "7400"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        ("1", True),
        ("0", False),
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("JA", True),
        (" nej ", False),
    ],
)
def test_it_reads_booleans(spec, raw, expected):
    assert spec.feature("cv_complete").parse_value(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "y", 0.5])
def test_it_rejects_a_bad_boolean(spec, raw):
    with pytest.raises(ValueError, match="not a yes/no value"):
        spec.feature("cv_complete").parse_value(raw)


# -- parse_outcome and parse_as_of ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), (" YES ", True), (1, True), ("0", False), ("No", False), (0.0, False)],
)
def test_it_reads_outcomes_case_insensitively(spec, raw, expected):
    assert spec.parse_outcome(raw) is expected


def test_it_reads_boolean_outcomes(default):
    assert default.parse_outcome(True) is True
    assert default.parse_outcome(False) is False


def test_it_rejects_an_unknown_outcome_naming_the_allowed_values(spec):
    with pytest.raises(ValueError) as info:
        spec.parse_outcome("maybe")
    message = str(info.value)
    assert "'maybe'" in message
    assert "1, yes" in message
    assert "0, no" in message


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_it_rejects_a_missing_outcome(spec, raw):
    with pytest.raises(ValueError, match="missing"):
        spec.parse_outcome(raw)


@pytest.mark.parametrize(
    "raw", ["2024-03-05", "05-03-2024", "5-3-2024", " 2024-03-05 ", datetime.date(2024, 3, 5)]
)
def test_it_reads_dates_in_both_formats(spec, raw):
    assert spec.parse_as_of(raw) == datetime.date(2024, 3, 5)


def test_it_reads_a_datetime_as_its_date(spec):
    assert spec.parse_as_of(datetime.datetime(2024, 3, 5, 10, 30)) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024/03/05", "05.03.2024", "yesterday", "20240305", "24-3-5"])
def test_it_rejects_a_date_in_another_format(spec, raw):
    with pytest.raises(ValueError, match="YYYY-MM-DD or DD-MM-YYYY"):
        spec.parse_as_of(raw)


@pytest.mark.parametrize("raw", ["2023-02-29", "31-04-2024", "2024-13-01"])
def test_it_rejects_an_impossible_date(spec, raw):
    with pytest.raises(ValueError, match="not a valid date"):
        spec.parse_as_of(raw)


def test_it_rejects_a_missing_date(spec):
    with pytest.raises(ValueError, match="missing"):
        spec.parse_as_of("")


# -- to_dict ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        DEFAULT_SPECIFICATION_PATH,
        SPECS / "small.toml",
        SPECS / "feature_spec_example.toml",
    ],
)
def test_it_round_trips_through_a_json_dict(path):
    spec = specification_from_file(path)
    data = json.loads(json.dumps(spec.to_dict()))
    again = specification_from_dict(data)
    assert again == spec
    assert again.to_dict() == spec.to_dict()


def test_it_omits_an_absent_as_of_from_the_dict():
    small = specification_from_file(SPECS / "small.toml")
    assert "as_of" not in small.to_dict()["record"]


def test_it_does_not_share_mutable_state_with_the_dict(spec):
    data = spec.to_dict()
    data["features"][1]["value_labels_da"]["primary"] = "changed"
    assert spec.feature("education").value_label("primary", "da") == "Grundskole"


def test_it_validates_a_dict_without_changing_it():
    data = minimal()
    before = copy.deepcopy(data)
    specification_from_dict(data)
    assert data == before


# -- Immutability -----------------------------------------------------------------------


def test_it_is_immutable_and_hashable(spec):
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.feature("age").min = 0
    assert isinstance(spec.features, tuple)
    assert isinstance(spec.feature("education").values, tuple)
    assert hash(spec) == hash(specification_from_dict(minimal()))


def test_it_builds_a_fresh_default_each_time():
    assert default_specification() == default_specification()
