"""Casework's side of the prediction engine: estimates for open spells, the closed
spells that feed the engine's training store, and the inputs drift is measured on.

``prediction`` never imports casework; casework hands it plain records and listens for
its announcements (``casework.apps``)."""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.fields.json import KT
from django.utils import timezone

from casework.models import AssessmentSnapshot, Estimate, Objection
from jobcenter.bulk import text_table_by_copy
from jobcenter.models import Jobcenter
from prediction.artifacts import ArtifactRefused
from prediction.explanations import NotScorable, explain
from prediction.frames import frame_from_columns, frame_from_records, text_column_values
from prediction.models import FeatureSpec, ModelStatus, TrainingRecord
from prediction.monitoring import drift_report_record
from prediction.scoring import bands_for, score_frame
from prediction.selectors import (
    model_compiled,
    model_version_by_id,
    model_versions_active_all,
    scoring_control,
)
from prediction.services import RecordIn, UpsertCounts, training_records_upsert
from prediction.training_store import training_record_pseudonym, training_records_pseudonymise

logger = logging.getLogger(__name__)


def _current_snapshots(*, specification_id: int, jobcenter_id: int, open_spells: bool):
    """The snapshot in force for each of a jobcenter's spells: the newest one no
    correction replaced."""
    return AssessmentSnapshot.objects.filter(
        spell__jobcenter_id=jobcenter_id,
        specification_id=specification_id,
        spell__end_date__isnull=open_spells,
        corrections__isnull=True,
    )


def _parts(specification, values: dict) -> tuple[dict, dict]:
    inputs = {f.name: (values.get(f.name) or {}).get("value") for f in specification.inputs}
    protected = {f.name: (values.get(f.name) or {}).get("value") for f in specification.protected}
    return inputs, protected


def open_spells_rescore(*, model_version_id: int) -> int:
    """Scores every open spell of the version's jobcenter (its current snapshot) with an
    active version and stores the estimates; returns how many were written. Another
    jobcenter's spells are never touched. Idempotent: a snapshot already scored by the
    version is left alone. Does nothing while the jobcenter's scoring is stopped or when
    the version is no longer active by the time the task runs."""
    return _spells_score(model_version_id=model_version_id, open_spells=True)


def closed_spells_score(*, model_version_id: int, as_of_from) -> int:
    """Scores the closed spells assessed on or after ``as_of_from`` with an active
    version, as if it had been in use then (the demo's history of use); otherwise as
    :func:`open_spells_rescore`."""
    return _spells_score(
        model_version_id=model_version_id, open_spells=False, as_of_from=as_of_from
    )


def _spells_score(*, model_version_id: int, open_spells: bool, as_of_from=None) -> int:
    version = model_version_by_id(version_id=model_version_id)
    if version is None or version.status != ModelStatus.ACTIVE:
        return 0
    if scoring_control(jobcenter_id=version.jobcenter_id).scoring_paused:
        logger.info("re-scoring for version %s skipped: scoring is stopped", version.pk)
        return 0
    try:
        compiled = model_compiled(version=version)
    except ArtifactRefused:
        logger.exception("re-scoring for version %s refused", version.pk)
        return 0
    specification = version.specification.specification
    pending = (
        _current_snapshots(
            specification_id=version.specification_id,
            jobcenter_id=version.jobcenter_id,
            open_spells=open_spells,
        )
        .exclude(estimates__model_version=version)
        # A citizen who objects to profiling is not scored at all.
        .exclude(
            Exists(
                Objection.objects.filter(
                    citizen_id=OuterRef("spell__citizen_id"), withdrawn_at__isnull=True
                )
            )
        )
    )
    if as_of_from is not None:
        pending = pending.filter(as_of__gte=as_of_from)
    bulk = connection.vendor == "postgresql"
    snapshot_ids, spell_ids, frame = (
        _pending_frame_by_copy(pending, specification)
        if bulk
        else _pending_frame(pending, specification)
    )
    if not len(snapshot_ids):
        return 0
    probability, leaf, scorable = score_frame(compiled=compiled, inputs=frame.inputs)
    bands = bands_for(probability, version.band_cutoffs)
    missing: dict[int, list[str]] = {}
    for i in np.flatnonzero(~scorable):
        inputs = {
            name: (None if _is_missing(value) else value)
            for name, value in frame.inputs.iloc[i].items()
        }
        result = explain(
            compiled=compiled,
            inputs=inputs,
            band_cutoffs=version.band_cutoffs,
            base_rate=version.base_rate,
        )
        missing[int(i)] = list(result.missing) if isinstance(result, NotScorable) else []
    with transaction.atomic():
        if bulk:
            _estimates_copy(version.pk, snapshot_ids, spell_ids, probability, bands, leaf, missing)
        else:
            Estimate.objects.bulk_create(
                [
                    Estimate(
                        snapshot_id=snapshot_id,
                        spell_id=spell_id,
                        model_version=version,
                        probability=None if i in missing else float(probability[i]),
                        band="" if i in missing else str(bands[i]),
                        leaf_id=None if i in missing else int(leaf[i]),
                        missing_inputs=missing.get(i, []),
                    )
                    for i, (snapshot_id, spell_id) in enumerate(
                        zip(snapshot_ids, spell_ids, strict=True)
                    )
                ],
                batch_size=5_000,
                ignore_conflicts=True,
            )
    logger.info("version %s scored %d spells", version.pk, len(snapshot_ids))
    return len(snapshot_ids)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pending_frame(pending, specification):
    rows = list(pending.values_list("id", "spell_id", "values"))
    frame = frame_from_records(
        specification=specification,
        records=(
            (str(snapshot_id), None, _parts(specification, values)[0], {}, None)
            for snapshot_id, _, values in rows
        ),
    )
    return [row[0] for row in rows], [row[1] for row in rows], frame


def _pending_frame_by_copy(pending, specification):
    """The same rows as ``_pending_frame``, on PostgreSQL: the database takes each
    input's value out of the snapshot's JSON and streams the rows with COPY; pandas'
    C reader parses them. Reading 150,000 snapshots as JSON documents one by one cost
    more than everything else in a re-scoring."""
    columns = {f"i{k}": KT(f"values__{f.name}__value") for k, f in enumerate(specification.inputs)}
    query = pending.annotate(**columns).values_list("id", "spell_id", *columns)
    table = text_table_by_copy(*query.query.sql_with_params(), ["id", "spell_id", *columns])
    if table is None:
        return [], [], None
    frame = frame_from_columns(
        specification=specification,
        record_ids=table["id"].tolist(),
        as_of=None,
        inputs={
            feature.name: text_column_values(table[f"i{k}"], feature)
            for k, feature in enumerate(specification.inputs)
        },
        protected={},
        outcome=np.zeros(len(table), dtype=np.int8),
    )
    return table["id"].astype(np.int64).tolist(), table["spell_id"].tolist(), frame


def _estimates_copy(version_id, snapshot_ids, spell_ids, probability, bands, leaf, missing):
    """Writes the estimates with COPY into a temporary table and one INSERT ... ON
    CONFLICT DO NOTHING from there, so a snapshot scored meanwhile is left alone, as
    ``bulk_create(ignore_conflicts=True)`` does."""
    count = len(snapshot_ids)
    scorable = np.ones(count, dtype=bool)
    scorable[list(missing)] = False
    table = pd.DataFrame(
        {
            "snapshot_id": snapshot_ids,
            "spell_id": spell_ids,
            "model_version_id": version_id,
            "probability": np.where(scorable, probability, np.nan),
            "band": np.where(scorable, np.asarray(bands, dtype=object), ""),
            "leaf_id": pd.Series(np.asarray(leaf, dtype=np.int64)).astype("Int64").where(scorable),
            "missing_inputs": [json.dumps(missing.get(i, [])) for i in range(count)],
            "computed_at": timezone.now().isoformat(),
        }
    )
    buffer = io.StringIO()
    table.to_csv(buffer, header=False, index=False, na_rep="")
    buffer.seek(0)
    names = ", ".join(table.columns)
    target = connection.ops.quote_name(Estimate._meta.db_table)
    with connection.cursor() as cursor:
        # Dropped at commit; two re-scorings in one transaction (two jobcenters' versions
        # activated in one request or test) must not find the first one's table.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.estimate_load")
        cursor.execute(
            f"CREATE TEMPORARY TABLE estimate_load ON COMMIT DROP AS "  # noqa: S608 - fixed names
            f"SELECT {names} FROM {target} WITH NO DATA"
        )
        cursor.cursor.copy_expert(
            f"COPY estimate_load ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (band))",
            buffer,
        )
        cursor.execute(
            f"INSERT INTO {target} ({names}) SELECT {names} FROM estimate_load "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )


def _closed_records(
    specification_id: int, jobcenter_id: int, specification, as_of_before=None
) -> Iterator[RecordIn]:
    snapshots = _current_snapshots(
        specification_id=specification_id, jobcenter_id=jobcenter_id, open_spells=False
    )
    if as_of_before is not None:
        snapshots = snapshots.filter(as_of__lt=as_of_before)
    rows = (
        snapshots.filter(spell__outcome__isnull=False)
        .values_list("spell_id", "as_of", "values", "spell__outcome__unemployed_12m")
        .iterator(chunk_size=10_000)
    )
    for spell_id, as_of, values, outcome in rows:
        inputs, protected = _parts(specification, values)
        yield RecordIn(
            record_id=training_record_pseudonym(spell_id),
            as_of=as_of,
            inputs=inputs,
            protected=protected,
            outcome=bool(outcome),
        )


def training_store_feed(
    *, jobcenter_id: int | None = None, specification_id: int | None = None, as_of_before=None
) -> dict[str, UpsertCounts]:
    """Hands every closed spell's snapshot and 12-month outcome to the engine's training
    store (record id = a keyed pseudonym of the spell's id, see
    ``prediction.training_store.training_record_pseudonym``; no names, no CPR numbers),
    as a record of the spell's own jobcenter, so each jobcenter trains on its own
    history. ``jobcenter_id`` feeds one jobcenter only. Re-running changes only what
    changed. ``as_of_before`` leaves out the spells assessed from that day on (the demo
    keeps its period of use out of the training data). The result is keyed
    ``"<municipality code>:<specification>"``."""
    jobcenters = Jobcenter.objects.order_by("pk")
    if jobcenter_id is not None:
        jobcenters = jobcenters.filter(pk=jobcenter_id)
    results = {}
    for jobcenter in jobcenters:
        used = AssessmentSnapshot.objects.filter(spell__jobcenter=jobcenter).values(
            "specification_id"
        )
        specifications = FeatureSpec.objects.filter(pk__in=used).order_by("pk")
        if specification_id is not None:
            specifications = specifications.filter(pk=specification_id)
        for feature_spec in specifications:
            with transaction.atomic():
                training_records_pseudonymise(specification=feature_spec, jobcenter_id=jobcenter.pk)
                results[f"{jobcenter.municipality_code}:{feature_spec}"] = training_records_upsert(
                    specification=feature_spec,
                    jobcenter_id=jobcenter.pk,
                    records=_closed_records(
                        feature_spec.pk, jobcenter.pk, feature_spec.specification, as_of_before
                    ),
                    source=TrainingRecord.Source.CASEWORK,
                )
    return results


def drift_monitor() -> list:
    """Population stability of each input: each jobcenter's open spells' current
    snapshots against the data its active version was trained on."""
    reports = []
    for version in model_versions_active_all():
        specification = version.specification.specification
        rows = _current_snapshots(
            specification_id=version.specification_id,
            jobcenter_id=version.jobcenter_id,
            open_spells=True,
        ).values_list("values", flat=True)
        frame = frame_from_records(
            specification=specification,
            records=(
                (str(i), None, _parts(specification, values)[0], {}, None)
                for i, values in enumerate(rows.iterator(chunk_size=10_000))
            ),
        )
        if len(frame) == 0:
            continue
        reports.append(drift_report_record(model_version=version, current_inputs=frame.inputs))
    return reports
