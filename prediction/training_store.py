"""Reading a specification's whole training store into a :class:`~prediction.frames.Frame`.

A municipality's history can be a million records, and turning a million JSON documents
into Python dicts one by one costs more than fitting the trees. On PostgreSQL the
database does that work instead: ``COPY (SELECT ...) TO STDOUT`` with one text column
per input and protected attribute (``inputs ->> 'name'``), parsed by pandas' C reader.
Other databases (the embedded SQLite) go through the ORM. Both give the same frame, in
record-id order; a test holds them to that.

A record fed from casework is known by a keyed pseudonym of its spell
(``training_record_pseudonym``: HMAC-SHA256 with ``TRAINING_RECORD_ID_KEY``, a key kept
out of the database), never by the spell's own id, so the training data cannot be
linked back to a spell without the key.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from jobcenter.bulk import text_table_by_copy
from prediction.frames import (
    Frame,
    frame_from_columns,
    frame_from_records,
    text_column_values,
    text_or_none,
)
from prediction.models import FeatureSpec, TrainingRecord


def training_record_pseudonym(spell_id) -> str:
    """The training store's id for a spell: HMAC-SHA256 of the spell's id under
    ``TRAINING_RECORD_ID_KEY``, in hex. The same spell and key give the same id (so
    re-feeding updates the record); without the key it does not lead back to the spell."""
    key = settings.TRAINING_RECORD_ID_KEY.encode()
    return hmac.new(key, str(spell_id).encode(), hashlib.sha256).hexdigest()


def training_records_pseudonymise(*, specification: FeatureSpec, jobcenter_id: int) -> int:
    """Renames the casework records still stored under their spell's own id (fed
    before the pseudonym existed) to the pseudonym, in the caller's transaction, so the
    next feed updates them instead of adding a second copy. Returns how many. A spell id
    is a UUID with dashes; a pseudonym is plain hex."""
    legacy = list(
        TrainingRecord.objects.filter(
            specification=specification,
            jobcenter_id=jobcenter_id,
            source=TrainingRecord.Source.CASEWORK,
            record_id__contains="-",
        ).only("pk", "record_id")
    )
    for record in legacy:
        record.record_id = training_record_pseudonym(record.record_id)
    TrainingRecord.objects.bulk_update(legacy, ["record_id"], batch_size=2_000)
    return len(legacy)


def training_frame(*, specification: FeatureSpec, jobcenter_id: int) -> Frame:
    """Every training record of one jobcenter for ``specification`` as a frame, ordered
    by record id. A jobcenter trains on its own records only."""
    if connection.vendor == "postgresql":
        return _frame_by_copy(specification, jobcenter_id)
    return frame_from_records(
        specification=specification.specification,
        records=training_rows(specification=specification, jobcenter_id=jobcenter_id),
    )


def training_rows(*, specification: FeatureSpec, jobcenter_id: int):
    """The records as ``(record_id, as_of, inputs, protected, outcome)`` tuples."""
    return (
        TrainingRecord.objects.filter(specification=specification, jobcenter_id=jobcenter_id)
        .order_by("record_id")
        .values_list("record_id", "as_of", "inputs", "protected", "outcome")
        .iterator(chunk_size=20_000)
    )


def _frame_by_copy(specification: FeatureSpec, jobcenter_id: int) -> Frame:
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
    # Only fixed fragments and the quoted table name are formatted in; the feature names
    # are parameters, quoted by the driver.
    table_read = text_table_by_copy(
        f"SELECT {', '.join(selects)} FROM {table} "  # noqa: S608
        "WHERE specification_id = %s AND jobcenter_id = %s ORDER BY record_id",
        [*names, specification.pk, jobcenter_id],
        columns,
    )
    if table_read is None:
        return frame_from_records(specification=spec, records=[])

    inputs = {
        feature.name: text_column_values(table_read[f"i{position}"], feature)
        for position, feature in enumerate(spec.inputs)
    }
    # Protected attributes stay text (frame_from_columns reads them as text anyway).
    protected = {
        feature.name: text_or_none(table_read[f"p{position}"])
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
