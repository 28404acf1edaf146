"""Reading a specification's whole training store into a :class:`~prediction.frames.Frame`.

A municipality's history can be a million records, and turning a million JSON documents
into Python dicts one by one costs more than fitting the trees. On PostgreSQL the
database does that work instead: ``COPY (SELECT ...) TO STDOUT`` with one text column
per input and protected attribute (``inputs ->> 'name'``), parsed by pandas' C reader.
Other databases (the embedded SQLite) go through the ORM. Both give the same frame, in
record-id order; a test holds them to that.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection

from prediction.frames import Frame, frame_from_columns, frame_from_records, text_column_values
from prediction.models import FeatureSpec, TrainingRecord


def training_frame(*, specification: FeatureSpec) -> Frame:
    """Every training record of ``specification`` as a frame, ordered by record id."""
    if connection.vendor == "postgresql":
        return _frame_by_copy(specification)
    return frame_from_records(
        specification=specification.specification,
        records=training_rows(specification=specification),
    )


def training_rows(*, specification: FeatureSpec):
    """The records as ``(record_id, as_of, inputs, protected, outcome)`` tuples."""
    return (
        TrainingRecord.objects.filter(specification=specification)
        .order_by("record_id")
        .values_list("record_id", "as_of", "inputs", "protected", "outcome")
        .iterator(chunk_size=20_000)
    )


def _frame_by_copy(specification: FeatureSpec) -> Frame:
    spec = specification.specification
    table = connection.ops.quote_name(TrainingRecord._meta.db_table)
    columns = ["record_id", "as_of"]
    selects = ["record_id", "as_of"]
    for prefix, features in (("i", spec.inputs), ("p", spec.protected)):
        source = "inputs" if prefix == "i" else "protected"
        for position in range(len(features)):
            columns.append(f"{prefix}{position}")
            selects.append(f"{source} ->> %s")
    columns.append("outcome")
    selects.append("outcome")
    names = [f.name for f in spec.inputs] + [f.name for f in spec.protected]
    with connection.cursor() as cursor:
        # Only fixed fragments and the quoted table name are formatted in; the feature
        # names are parameters, quoted by the driver.
        query = cursor.mogrify(
            f"SELECT {', '.join(selects)} FROM {table} "  # noqa: S608
            "WHERE specification_id = %s ORDER BY record_id",
            [*names, specification.pk],
        ).decode()
        buffer = io.BytesIO()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return frame_from_records(specification=spec, records=[])
    buffer.seek(0)
    # Everything as text, nothing guessed: an empty field is a missing value.
    table_read = pd.read_csv(
        buffer, header=None, names=columns, dtype=str, keep_default_na=False, na_filter=False
    )

    inputs = {
        feature.name: text_column_values(table_read[f"i{position}"], feature)
        for position, feature in enumerate(spec.inputs)
    }
    # Protected attributes stay text (frame_from_columns reads them as text anyway).
    protected = {
        feature.name: _protected_text(table_read[f"p{position}"])
        for position, feature in enumerate(spec.protected)
    }
    as_of = pd.to_datetime(table_read["as_of"].replace("", None), format="%Y-%m-%d")
    return frame_from_columns(
        specification=spec,
        record_ids=table_read["record_id"].tolist(),
        as_of=as_of.to_numpy(dtype="datetime64[ns]"),
        inputs=inputs,
        protected=protected,
        outcome=(table_read["outcome"] == "t").to_numpy(dtype=np.int8),
    )


def _protected_text(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=object, copy=True)
    values[values == ""] = None
    return values
