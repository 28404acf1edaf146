"""Turns stored records into the columns the training and scoring code works on.

Pure Python, numpy and pandas: no Django, no database. The caller (a service reading
spells from the database, a test, a benchmark) hands over plain tuples::

    (record_id, as_of, inputs, protected, outcome)

where ``inputs`` and ``protected`` are dicts of already parsed JSON values (a missing key
is a missing value) and ``outcome`` is ``True``/``False``, or ``None`` for a record whose
outcome is not known yet (a scoring frame).

Speed matters (a municipality's whole history can be a million spells), so the records
are read in one pass into plain Python lists, one per column, and each column becomes an
array at the end; nothing is done per row in pandas.

Values are normalised to one representation per feature type:

- numeric: ``float64``, ``NaN`` when missing;
- boolean: ``True`` / ``False`` / ``None`` (object);
- categorical: the specification's canonical spelling of the value, or ``None``.

A value the specification cannot read (a category that is no longer listed, text in a
numeric field) counts as missing: imports validate values before they are stored, so this
only happens when a specification changed after the data were imported.
"""

from __future__ import annotations

import datetime
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Frame",
    "Record",
    "frame_from_columns",
    "frame_from_records",
    "text_column_values",
    "text_or_none",
]

#: ``(record_id, as_of, inputs, protected, outcome)``
Record = tuple[str, "datetime.date | None", dict, dict, "bool | None"]

_BOOLEAN_FAST = {True: True, False: False, None: None}  # 1/0 hash like True/False


@dataclass(frozen=True)
class Frame:
    """Records as columns. Every array and data frame has one row per record, in the
    order the records were given."""

    inputs: pd.DataFrame  # the specification's inputs, in its order
    outcome: np.ndarray  # int8 0/1 (0 where the outcome is not known)
    as_of: np.ndarray | None  # datetime64[D] (NaT when missing); None when no record has one
    protected: pd.DataFrame  # the protected attributes as text (or None)
    record_ids: np.ndarray  # object

    def __len__(self) -> int:
        return len(self.record_ids)

    @property
    def has_dates(self) -> bool:
        """Whether every record has an as-of date."""
        return self.as_of is not None and not bool(np.isnat(self.as_of).any())

    def take(self, indices: np.ndarray) -> Frame:
        """The records at ``indices`` (positions), as a new frame with a fresh index."""
        indices = np.asarray(indices)
        return Frame(
            inputs=self.inputs.iloc[indices].reset_index(drop=True),
            outcome=self.outcome[indices],
            as_of=None if self.as_of is None else self.as_of[indices],
            protected=self.protected.iloc[indices].reset_index(drop=True),
            record_ids=self.record_ids[indices],
        )


def _text(raw: Any) -> str:
    """A JSON value as text: ``7400.0`` -> ``"7400"``, ``True`` -> ``"true"``."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, numbers.Integral):
        return str(int(raw))
    if isinstance(raw, numbers.Real) and math.isfinite(raw) and float(raw).is_integer():
        return str(int(raw))
    return str(raw).strip()


def _parse_or_none(feature, raw: Any):
    try:
        return feature.parse_value(raw)
    except (TypeError, ValueError):
        return None


def _numeric_column(feature, values: list) -> np.ndarray:
    try:
        # None becomes NaN; ints, floats and numeric text convert directly.
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.array(
            [
                math.nan if (parsed := _parse_or_none(feature, value)) is None else parsed
                for value in values
            ],
            dtype=np.float64,
        )
    if array.dtype != np.float64 or array.ndim != 1:  # pragma: no cover - defensive
        array = np.asarray(array, dtype=np.float64).reshape(-1)
    # Bounds are checked on import; infinities are never a valid measurement.
    array[~np.isfinite(array)] = np.nan
    return array


def _lookup_column(values: list, canonical, slow) -> np.ndarray:
    """Map each value to its canonical form: ``canonical(value)`` for a value already in
    canonical form (or ``None``), otherwise ``slow(value)`` (other spellings, numbers as
    categories, ...). Each distinct value is looked at once; the column is then mapped
    by one dictionary lookup per value."""
    out = np.empty(len(values), dtype=object)
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value (a list or dict in the JSON): go slowly
        out[:] = [canonical(value) if _hashable(value) else slow(value) for value in values]
        return out
    # ``1 == True`` and ``7400 == 7400.0`` share a key here; they also share a meaning.
    mapping = {value: canonical(value) for value in distinct}
    out[:] = [mapping[value] for value in values]
    return out


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _canonical(fast: dict, slow):
    missing = object()

    def canonical(value: Any):
        found = fast.get(value, missing)
        # A bool key also matches 1/0 (and 1.0/0.0); a str key matches only itself.
        return slow(value) if found is missing else found

    return canonical


def _input_column(feature, values: list) -> np.ndarray:
    if feature.type == "numeric":
        return _numeric_column(feature, values)
    if feature.type == "boolean":
        fast: dict[Any, Any] = dict(_BOOLEAN_FAST)
    else:
        fast = {value: value for value in feature.values}
        fast[None] = None

    def slow(value: Any):
        return _parse_or_none(feature, value)

    return _lookup_column(values, _canonical(fast, slow), slow)


def _protected_column(feature, values: list) -> np.ndarray:
    def slow(value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        parsed = _parse_or_none(feature, value)
        return _text(value if parsed is None else parsed)

    fast: dict[Any, str | None] = {None: None}
    if feature.type == "categorical":
        fast.update({value: value for value in feature.values})
    return _lookup_column(values, _canonical(fast, slow), slow)


def _series(array: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(array, index=index, dtype=array.dtype, copy=False)


def frame_from_records(*, specification, records: Iterable[Record]) -> Frame:
    """Build a :class:`Frame` from ``(record_id, as_of, inputs, protected, outcome)``
    tuples (see the module docstring). Only the specification's inputs and protected
    attributes are read; other keys are ignored."""
    input_features = specification.inputs
    protected_features = specification.protected
    input_names = [feature.name for feature in input_features]
    protected_names = [feature.name for feature in protected_features]

    record_ids: list[Any] = []
    dates: list[Any] = []
    outcomes: list[Any] = []
    input_columns: list[list[Any]] = [[] for _ in input_names]
    protected_columns: list[list[Any]] = [[] for _ in protected_names]
    # Bound methods, looked up once: this loop runs once per record.
    input_appends = [
        (name, column.append) for name, column in zip(input_names, input_columns, strict=True)
    ]
    protected_appends = [
        (name, column.append)
        for name, column in zip(protected_names, protected_columns, strict=True)
    ]
    add_id, add_date, add_outcome = record_ids.append, dates.append, outcomes.append
    empty: dict = {}

    for record_id, as_of, inputs, protected, outcome in records:
        add_id(record_id)
        add_date(as_of)
        add_outcome(outcome)
        get = (inputs or empty).get
        for name, append in input_appends:
            append(get(name))
        get = (protected or empty).get
        for name, append in protected_appends:
            append(get(name))

    return frame_from_columns(
        specification=specification,
        record_ids=record_ids,
        as_of=dates,
        inputs=dict(zip(input_names, input_columns, strict=True)),
        protected=dict(zip(protected_names, protected_columns, strict=True)),
        outcome=np.array([1 if outcome else 0 for outcome in outcomes], dtype=np.int8),
    )


def text_column_values(column: pd.Series, feature) -> np.ndarray:
    """A column read from a database as text (an empty string is a missing value), as
    :func:`frame_from_columns` takes it: floats for a numeric input (text that is no
    number is missing), otherwise the text itself or ``None``."""
    if feature.type == "numeric":
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    return text_or_none(column)


def text_or_none(column: pd.Series) -> np.ndarray:
    """A text column as an object array, ``None`` for an empty string."""
    values = column.to_numpy(dtype=object, copy=True)
    values[values == ""] = None
    return values


def frame_from_columns(
    *,
    specification,
    record_ids: Sequence[Any],
    as_of: Sequence[Any] | np.ndarray | None,
    inputs: Mapping[str, Sequence[Any]],
    protected: Mapping[str, Sequence[Any]],
    outcome: np.ndarray,
) -> Frame:
    """Build a :class:`Frame` from columns that are already apart: one sequence per
    input and protected attribute (raw JSON-like values, ``None`` when missing; a
    missing name is a column of missing values), the as-of dates (dates, ``None``, or a
    ``datetime64`` array) and the outcome as 0/1. ``frame_from_records`` ends here, and
    so does a reader that gets its columns in bulk (PostgreSQL's COPY)."""
    n = len(record_ids)
    ids = np.empty(n, dtype=object)
    ids[:] = list(record_ids)
    index = pd.RangeIndex(n)
    nothing = [None] * n
    # Series with an explicit dtype keep object columns object (pandas 3 would
    # otherwise infer its string dtype, which turns None into NaN).
    inputs_frame = pd.DataFrame(
        {
            feature.name: _series(_input_column(feature, inputs.get(feature.name, nothing)), index)
            for feature in specification.inputs
        },
        index=index,
        columns=[feature.name for feature in specification.inputs],
    )
    protected_frame = pd.DataFrame(
        {
            feature.name: _series(
                _protected_column(feature, protected.get(feature.name, nothing)), index
            )
            for feature in specification.protected
        },
        index=index,
        columns=[feature.name for feature in specification.protected],
    )
    if as_of is None:
        dates = None
    elif isinstance(as_of, np.ndarray) and np.issubdtype(as_of.dtype, np.datetime64):
        dates = as_of.astype("datetime64[D]")
        dates = None if bool(np.isnat(dates).all()) else dates
    else:
        dates = (
            np.array(as_of, dtype="datetime64[D]")
            if any(date is not None for date in as_of)
            else None
        )
    return Frame(
        inputs=inputs_frame,
        outcome=np.asarray(outcome, dtype=np.int8),
        as_of=dates,
        protected=protected_frame,
        record_ids=ids,
    )
