"""On PostgreSQL the training store is read with COPY and parsed by pandas; everywhere
else through the ORM. Both must give the model exactly the same frame, or a model
trained in production would differ from the one the tests trained."""

import datetime

import numpy as np
import pandas as pd
import pytest

from prediction.frames import frame_from_records
from prediction.models import TrainingRecord
from prediction.training_store import _frame_by_copy, training_frame, training_rows
from tests.factories import default_jobcenter
from tests.prediction.history import REPO_SPECS, SPECS, history_load, spec_register


def _frames(feature_spec):
    by_copy = _frame_by_copy(feature_spec, default_jobcenter().pk)
    by_orm = frame_from_records(
        specification=feature_spec.specification,
        records=training_rows(specification=feature_spec, jobcenter_id=default_jobcenter().pk),
    )
    return by_copy, by_orm


def _assert_same(by_copy, by_orm):
    pd.testing.assert_frame_equal(by_copy.inputs, by_orm.inputs)
    pd.testing.assert_frame_equal(by_copy.protected, by_orm.protected)
    np.testing.assert_array_equal(by_copy.outcome, by_orm.outcome)
    np.testing.assert_array_equal(by_copy.record_ids, by_orm.record_ids)
    if by_orm.as_of is None:
        assert by_copy.as_of is None
    else:
        np.testing.assert_array_equal(by_copy.as_of, by_orm.as_of)


@pytest.mark.parametrize("spec_path", [REPO_SPECS / "default.toml", SPECS / "small.toml"])
def test_copy_and_orm_give_the_same_frame(postgresql, spec_path):
    feature_spec = spec_register(spec_path)
    history_load(feature_spec, n=1_500, seed=11)
    by_copy, by_orm = _frames(feature_spec)
    assert len(by_copy) == 1_500
    _assert_same(by_copy, by_orm)
    # training_frame takes the COPY path here
    _assert_same(
        training_frame(specification=feature_spec, jobcenter_id=default_jobcenter().pk), by_orm
    )


def test_odd_stored_values_are_read_alike(postgresql):
    """Values as an older import or a changed specification may have left them: numbers
    as text, a category in other letters, a boolean as text, keys missing, JSON null,
    an unknown category and an unreadable number (both count as missing)."""
    feature_spec = spec_register(SPECS / "small.toml")
    spec = feature_spec.specification
    numeric = next(f for f in spec.inputs if f.type == "numeric")
    categorical = next(f for f in spec.inputs if f.type == "categorical")
    boolean = next(f for f in spec.inputs if f.type == "boolean")
    odd_inputs = [
        {numeric.name: "31", categorical.name: categorical.values[0].upper(), boolean.name: "true"},
        {numeric.name: None, categorical.name: None},
        {},
        {numeric.name: "not a number", categorical.name: "no such category", boolean.name: 0},
        {numeric.name: 44.5, categorical.name: categorical.values[-1], boolean.name: False},
    ]
    for i, inputs in enumerate(odd_inputs):
        TrainingRecord.objects.create(
            jobcenter=default_jobcenter(),
            specification=feature_spec,
            record_id=f"odd-{i}",
            as_of=datetime.date(2024, 1, 1 + i) if i % 2 else None,
            inputs=inputs,
            protected={p.name: (p.values[0] if p.values else "x") for p in spec.protected}
            if i != 2
            else {},
            outcome=bool(i % 2),
            source=TrainingRecord.Source.IMPORT,
            content_sha256="0" * 64,
        )
    by_copy, by_orm = _frames(feature_spec)
    _assert_same(by_copy, by_orm)
    first = by_copy.inputs.iloc[0]
    assert first[numeric.name] == 31.0
    assert first[categorical.name] == categorical.values[0]
    assert first[boolean.name] is True
    unreadable = by_copy.inputs.iloc[3]
    assert np.isnan(unreadable[numeric.name]) and unreadable[categorical.name] is None


def test_an_empty_store_gives_an_empty_frame(postgresql):
    feature_spec = spec_register(SPECS / "small.toml")
    frame = training_frame(specification=feature_spec, jobcenter_id=default_jobcenter().pk)
    assert len(frame) == 0
    assert list(frame.inputs.columns) == [f.name for f in feature_spec.specification.inputs]


def _fingerprint_by_orm(feature_spec):
    import hashlib

    digest = hashlib.sha256(feature_spec.sha256.encode())
    rows = TrainingRecord.objects.filter(specification=feature_spec).order_by("record_id")
    for record_id, content in rows.values_list("record_id", "content_sha256"):
        digest.update(f"{record_id}\0{content}\n".encode())
    return digest.hexdigest()


@pytest.mark.parametrize("odd_id", [None, "with\\backslash", "with\ttab"])
def test_the_training_fingerprint_is_the_same_by_copy_and_by_orm(postgresql, odd_id):
    """Unchanged data must give the same fingerprint whichever way it is read, or a
    scheduled retrain would train again on data that did not change."""
    from prediction.registry import _fingerprint_lines_by_copy, training_fingerprint

    feature_spec = spec_register(SPECS / "small.toml")
    history_load(feature_spec, n=300, seed=5)
    if odd_id is not None:
        TrainingRecord.objects.create(
            jobcenter=default_jobcenter(),
            specification=feature_spec,
            record_id=odd_id,
            inputs={},
            outcome=True,
            source=TrainingRecord.Source.IMPORT,
            content_sha256="f" * 64,
        )
        assert (
            _fingerprint_lines_by_copy(feature_spec, default_jobcenter().pk) is None
        )  # escaped: the slow way
    else:
        assert _fingerprint_lines_by_copy(feature_spec, default_jobcenter().pk) is not None
    assert training_fingerprint(
        specification=feature_spec, jobcenter_id=default_jobcenter().pk
    ) == _fingerprint_by_orm(feature_spec)
