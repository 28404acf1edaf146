"""Casework's side of the prediction engine: estimates for open spells, the closed
spells that feed the engine's training store, and the inputs drift is measured on.

``prediction`` never imports casework; casework hands it plain records and listens for
its announcements (``casework.apps``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Exists, OuterRef

from casework.models import AssessmentSnapshot, Estimate, Objection
from prediction.artifacts import ArtifactRefused
from prediction.explanations import NotScorable, explain
from prediction.frames import frame_from_records
from prediction.models import FeatureSpec, ModelStatus, TrainingRecord
from prediction.monitoring import drift_report_record
from prediction.scoring import bands_for, score_frame
from prediction.selectors import (
    model_compiled,
    model_version_get,
    model_versions_active,
    scoring_control,
)
from prediction.services import RecordIn, UpsertCounts, training_records_upsert

logger = logging.getLogger(__name__)


def _current_snapshots(*, specification_id: int, open_spells: bool):
    """The snapshot in force for each spell: the newest one no correction replaced."""
    return AssessmentSnapshot.objects.filter(
        specification_id=specification_id,
        spell__end_date__isnull=open_spells,
        corrections__isnull=True,
    )


def _parts(specification, values: dict) -> tuple[dict, dict]:
    inputs = {f.name: (values.get(f.name) or {}).get("value") for f in specification.inputs}
    protected = {f.name: (values.get(f.name) or {}).get("value") for f in specification.protected}
    return inputs, protected


def open_spells_rescore(*, model_version_id: int) -> int:
    """Scores every open spell's current snapshot with an active version and stores the
    estimates; returns how many were written. Idempotent: a snapshot already scored by
    the version is left alone. Does nothing while scoring is stopped or when the
    version is no longer active by the time the task runs."""
    version = model_version_get(version_id=model_version_id)
    if version is None or version.status != ModelStatus.ACTIVE:
        return 0
    if scoring_control().scoring_paused:
        logger.info("re-scoring for version %s skipped: scoring is stopped", version.pk)
        return 0
    try:
        compiled = model_compiled(version=version)
    except ArtifactRefused:
        logger.exception("re-scoring for version %s refused", version.pk)
        return 0
    specification = version.specification.specification
    rows = list(
        _current_snapshots(specification_id=version.specification_id, open_spells=True)
        .exclude(estimates__model_version=version)
        # A citizen who objects to profiling is not scored at all.
        .exclude(
            Exists(
                Objection.objects.filter(
                    citizen_id=OuterRef("spell__citizen_id"), withdrawn_at__isnull=True
                )
            )
        )
        .values_list("id", "spell_id", "values")
    )
    if not rows:
        return 0
    parts = [_parts(specification, values) for _, _, values in rows]
    frame = frame_from_records(
        specification=specification,
        records=(
            (str(row[0]), None, inputs, {}, None)
            for row, (inputs, _) in zip(rows, parts, strict=True)
        ),
    )
    probability, leaf, scorable = score_frame(compiled=compiled, inputs=frame.inputs)
    bands = bands_for(probability, version.band_cutoffs)
    estimates = []
    for i, (snapshot_id, spell_id, _) in enumerate(rows):
        if scorable[i]:
            estimates.append(
                Estimate(
                    snapshot_id=snapshot_id,
                    spell_id=spell_id,
                    model_version=version,
                    probability=float(probability[i]),
                    band=str(bands[i]),
                    leaf_id=int(leaf[i]),
                )
            )
        else:
            result = explain(
                compiled=compiled,
                inputs=parts[i][0],
                band_cutoffs=version.band_cutoffs,
                base_rate=version.base_rate,
            )
            missing = list(result.missing) if isinstance(result, NotScorable) else []
            estimates.append(
                Estimate(
                    snapshot_id=snapshot_id,
                    spell_id=spell_id,
                    model_version=version,
                    missing_inputs=missing,
                )
            )
    with transaction.atomic():
        Estimate.objects.bulk_create(estimates, batch_size=5_000, ignore_conflicts=True)
    logger.info("version %s scored %d open spells", version.pk, len(estimates))
    return len(estimates)


def _closed_records(specification_id: int, specification) -> Iterator[RecordIn]:
    rows = (
        _current_snapshots(specification_id=specification_id, open_spells=False)
        .filter(spell__outcome__isnull=False)
        .values_list("spell_id", "as_of", "values", "spell__outcome__unemployed_12m")
        .iterator(chunk_size=10_000)
    )
    for spell_id, as_of, values, outcome in rows:
        inputs, protected = _parts(specification, values)
        yield RecordIn(
            record_id=str(spell_id),
            as_of=as_of,
            inputs=inputs,
            protected=protected,
            outcome=bool(outcome),
        )


def training_store_feed(*, specification_id: int | None = None) -> dict[str, UpsertCounts]:
    """Hands every closed spell's snapshot and 12-month outcome to the engine's training
    store (record id = the spell's id; no names, no CPR numbers). Re-running changes
    only what changed."""
    specifications = FeatureSpec.objects.all()
    if specification_id is not None:
        specifications = specifications.filter(pk=specification_id)
    results = {}
    for feature_spec in specifications:
        with transaction.atomic():
            results[str(feature_spec)] = training_records_upsert(
                specification=feature_spec,
                records=_closed_records(feature_spec.pk, feature_spec.specification),
                source=TrainingRecord.Source.CASEWORK,
            )
    return results


def drift_monitor() -> list:
    """Population stability of each input: the open spells' current snapshots against
    the data each active version was trained on."""
    reports = []
    for version in model_versions_active():
        specification = version.specification.specification
        rows = _current_snapshots(
            specification_id=version.specification_id, open_spells=True
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
