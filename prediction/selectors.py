"""Reads of the prediction engine, shared by views, commands, tasks and casework."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from prediction.artifacts import ArtifactRefused, artifact_load, compiled_cache
from prediction.explanations import CompiledTree, Explanation, NotScorable, compile_tree, explain
from prediction.models import FeatureSpec, ModelStatus, ModelVersion, ScoringControl, TrainingRun

logger = logging.getLogger(__name__)


def feature_spec_latest(*, name: str) -> FeatureSpec | None:
    return FeatureSpec.objects.filter(name=name).order_by("-version").first()


def feature_specs_list():
    return FeatureSpec.objects.order_by("name", "-version")


def model_versions_list(*, specification: FeatureSpec | None = None):
    versions = ModelVersion.objects.select_related(
        "specification", "trained_by", "reviewed_by"
    ).defer("artifact")
    if specification is not None:
        versions = versions.filter(specification=specification)
    return versions.order_by("specification__name", "-number")


def model_version_get(*, version_id: int) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_related("specification", "trained_by", "reviewed_by")
        .defer("artifact")
        .filter(pk=version_id)
        .first()
    )


def model_version_active(*, specification_id: int) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_related("specification")
        .defer("artifact")
        .filter(specification_id=specification_id, status=ModelStatus.ACTIVE)
        .first()
    )


def model_versions_active():
    return (
        ModelVersion.objects.select_related("specification", "reviewed_by")
        .defer("artifact")
        .filter(status=ModelStatus.ACTIVE)
        .order_by("specification__name")
    )


def training_run_get(*, run_id) -> TrainingRun | None:
    return (
        TrainingRun.objects.select_related("specification", "model_version")
        .filter(pk=run_id)
        .first()
    )


def training_runs_recent(*, limit: int = 10):
    return TrainingRun.objects.select_related("specification", "model_version", "requested_by")[
        :limit
    ]


def scoring_control() -> ScoringControl:
    return ScoringControl.objects.filter(pk=1).first() or ScoringControl(pk=1)


def model_compiled(*, version: ModelVersion) -> CompiledTree:
    """The version's tree, ready to walk: loaded once per process, after checking the
    artefact's hash and types. Raises ``ArtifactRefused`` for a bad artefact."""

    def load() -> CompiledTree:
        data = ModelVersion.objects.filter(pk=version.pk).values_list("artifact", flat=True)[0]
        pipeline = artifact_load(data=data, sha256=version.artifact_sha256)
        return compile_tree(pipeline=pipeline, specification=version.specification.specification)

    return compiled_cache.get_or_load((version.pk, version.artifact_sha256), load)


@dataclass(frozen=True)
class Assessment:
    """What the engine can say about one set of inputs right now.

    ``state``: ``scored`` (``explanation`` is set), ``not_scorable`` (a required input is
    missing; ``not_scorable`` says which), ``paused`` (the stop switch is on),
    ``no_model`` (no active version) or ``refused`` (the artefact failed its checks)."""

    state: str
    version: ModelVersion | None = None
    explanation: Explanation | None = None
    not_scorable: NotScorable | None = None
    message: str = ""


def assessment_for_inputs(*, specification_id: int, inputs: dict) -> Assessment:
    if scoring_control().scoring_paused:
        return Assessment(state="paused", message=scoring_control().pause_reason)
    version = model_version_active(specification_id=specification_id)
    if version is None:
        return Assessment(state="no_model")
    try:
        compiled = model_compiled(version=version)
    except ArtifactRefused as exc:
        logger.error("model version %s refused: %s", version.pk, exc)
        return Assessment(state="refused", version=version, message=str(exc))
    result = explain(
        compiled=compiled,
        inputs=inputs,
        band_cutoffs=version.band_cutoffs,
        base_rate=version.base_rate,
    )
    if isinstance(result, NotScorable):
        return Assessment(state="not_scorable", version=version, not_scorable=result)
    return Assessment(state="scored", version=version, explanation=result)
