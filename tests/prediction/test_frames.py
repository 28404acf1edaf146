"""Tests for building frames from records (pure Python; no Django, no database)."""

from __future__ import annotations

import datetime
import pathlib
import time

import numpy as np
import pandas as pd

from prediction.frames import Frame, frame_from_records
from prediction.specification import default_specification, specification_from_file

SPECS = pathlib.Path(__file__).resolve().parent / "specs"


def small():
    return specification_from_file(SPECS / "small.toml")


def test_columns_types_and_missing_values():
    spec = small()
    records = [
        ("a", None, {"age": 30, "sector": "public", "has_car": True}, {"sex": "F"}, True),
        ("b", None, {"age": 41.5, "sector": "Private", "has_car": False}, {"sex": "M"}, False),
        ("c", None, {}, {}, None),
        ("d", None, {"age": None, "sector": None, "has_car": None, "extra": 1}, {"sex": None}, 0),
    ]
    frame = frame_from_records(specification=spec, records=records)
    assert isinstance(frame, Frame) and len(frame) == 4
    assert list(frame.inputs.columns) == ["age", "sector", "has_car"]
    assert frame.inputs["age"].dtype == np.float64
    assert frame.inputs["sector"].dtype == object
    assert frame.inputs["has_car"].dtype == object
    assert frame.inputs["age"].tolist()[:2] == [30.0, 41.5]
    assert np.isnan(frame.inputs["age"].to_numpy()[2:]).all()
    assert frame.inputs["sector"].tolist() == ["public", "private", None, None]  # canonical
    assert frame.inputs["has_car"].tolist() == [True, False, None, None]
    assert frame.outcome.dtype == np.int8 and frame.outcome.tolist() == [1, 0, 0, 0]
    assert frame.as_of is None and not frame.has_dates
    assert list(frame.protected.columns) == ["sex"]
    assert frame.protected["sex"].dtype == object
    assert frame.protected["sex"].tolist() == ["F", "M", None, None]
    assert frame.record_ids.dtype == object and frame.record_ids.tolist() == list("abcd")


def test_protected_attributes_are_never_inputs():
    spec = default_specification()
    record = ("x", None, {"age": 30, "gender": "female"}, {"gender": "female"}, True)
    frame = frame_from_records(specification=spec, records=[record])
    assert "gender" not in frame.inputs.columns
    assert list(frame.inputs.columns) == [feature.name for feature in spec.inputs]
    assert list(frame.protected.columns) == ["gender", "origin", "postal_code"]


def test_other_spellings_become_canonical_and_unreadable_values_missing():
    spec = default_specification()
    records = [
        (
            "1",
            datetime.date(2024, 1, 2),
            {
                "age": "33",
                "education": "MASTER",
                "cv_complete": 1,
                "driving_licence": "ja",
                "benefit_type": "no such benefit",
                "job_search_activity": "lots",
            },
            {"gender": "Female", "postal_code": 7400, "origin": ["odd"]},
            True,
        ),
        (
            "2",
            datetime.datetime(2024, 3, 4, 12, 0),
            {"age": 50, "cv_complete": 0, "driving_licence": False},
            {"postal_code": 7400.0},
            False,
        ),
    ]
    frame = frame_from_records(specification=spec, records=records)
    inputs = frame.inputs
    assert inputs["age"].tolist() == [33.0, 50.0]
    assert inputs["education"].tolist() == ["master", None]
    assert inputs["cv_complete"].tolist() == [True, False]
    assert inputs["driving_licence"].tolist() == [True, False]
    assert inputs["benefit_type"].tolist() == [None, None]
    assert np.isnan(inputs["job_search_activity"]).all()
    assert frame.protected["gender"].tolist() == ["female", None]
    assert frame.protected["postal_code"].tolist() == ["7400", "7400"]
    assert frame.protected["origin"].tolist() == ["['odd']", None]
    assert frame.as_of.dtype == np.dtype("datetime64[D]")
    assert frame.as_of.tolist() == [datetime.date(2024, 1, 2), datetime.date(2024, 3, 4)]
    assert frame.has_dates


def test_protected_booleans_and_numbers_are_text():
    spec = small()
    data = spec.to_dict()
    data["features"].append({"name": "union", "type": "boolean", "role": "protected"})
    data["features"].append({"name": "area", "type": "numeric", "role": "protected"})
    from prediction.specification import specification_from_dict

    spec = specification_from_dict(data)
    records = [
        ("a", None, {}, {"union": True, "area": 12.0, "sex": "m"}, True),
        ("b", None, {}, {"union": "nej", "area": 3.5}, False),
    ]
    frame = frame_from_records(specification=spec, records=records)
    assert frame.protected["union"].tolist() == ["true", "false"]
    assert frame.protected["area"].tolist() == ["12", "3.5"]
    assert frame.protected["sex"].tolist() == ["M", None]


def test_some_dates_missing_gives_nat():
    spec = small()
    records = [
        ("a", datetime.date(2023, 5, 1), {}, {}, True),
        ("b", None, {}, {}, False),
    ]
    frame = frame_from_records(specification=spec, records=records)
    assert frame.as_of is not None
    assert np.isnat(frame.as_of).tolist() == [False, True]
    assert not frame.has_dates


def test_empty_records():
    frame = frame_from_records(specification=small(), records=[])
    assert len(frame) == 0
    assert list(frame.inputs.columns) == ["age", "sector", "has_car"]
    assert frame.outcome.dtype == np.int8 and frame.as_of is None


def test_take_keeps_types():
    spec = small()
    records = [
        (str(i), None, {"sector": "public", "age": i}, {"sex": "F"}, i % 2 == 0) for i in range(5)
    ]
    frame = frame_from_records(specification=spec, records=records).take(np.array([4, 1]))
    assert frame.record_ids.tolist() == ["4", "1"]
    assert frame.inputs["age"].tolist() == [4.0, 1.0]
    assert frame.inputs["sector"].dtype == object
    assert frame.inputs.index.equals(pd.RangeIndex(2))
    assert frame.outcome.tolist() == [1, 0]


def test_a_generator_of_many_records_is_read_quickly():
    spec = default_specification()
    day = datetime.date(2022, 1, 1)
    inputs = {
        "age": 40.0,
        "education": "primary",
        "months_employed_3y": 12.0,
        "spells_5y": 1.0,
        "previous_industry": "retail",
        "benefit_type": "dagpenge",
        "cv_complete": True,
        "job_search_activity": 10.0,
        "availability": "full_time",
        "driving_licence": False,
    }
    protected = {"gender": "male", "origin": "danish", "postal_code": "7400"}
    n = 100_000
    records = ((f"r{i}", day, inputs, protected, i % 3 == 0) for i in range(n))
    started = time.perf_counter()
    frame = frame_from_records(specification=spec, records=records)
    elapsed = time.perf_counter() - started
    assert len(frame) == n
    assert frame.outcome.sum() == len(range(0, n, 3))
    assert elapsed < 2.0  # a million records in a few seconds
