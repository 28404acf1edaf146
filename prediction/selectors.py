"""Reads of the prediction engine, shared by views, commands, tasks and casework."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import F, Q

from jobcenter.compiled_reads import CompiledRead, StandIn
from prediction.artifacts import ArtifactRefused, artifact_load, compiled_cache
from prediction.explanations import CompiledTree, Explanation, NotScorable, compile_tree, explain
from prediction.models import FeatureSpec, ModelStatus, ModelVersion, ScoringControl, TrainingRun

logger = logging.getLogger(__name__)


def _usable_specs(jobcenter_id):
    """A jobcenter's own specifications and the national ones."""
    return FeatureSpec.objects.filter(Q(jobcenter__isnull=True) | Q(jobcenter_id=jobcenter_id))


def feature_spec_latest(*, name: str, jobcenter_id: int | None) -> FeatureSpec | None:
    """The newest version of ``name`` the jobcenter may use; at the same version its own
    specification comes before the national one."""
    return (
        _usable_specs(jobcenter_id)
        .filter(name=name)
        .order_by("-version", F("jobcenter_id").asc(nulls_last=True))
        .first()
    )


def feature_specs_list(*, jobcenter_id: int | None):
    """The specifications a jobcenter may use (its own and the national ones)."""
    return _usable_specs(jobcenter_id).order_by("name", "-version", "jobcenter_id")


def feature_spec_get(*, spec_id: int, jobcenter_id: int | None) -> FeatureSpec | None:
    return _usable_specs(jobcenter_id).filter(pk=spec_id).first()


def _versions():
    return ModelVersion.objects.select_related("specification", "trained_by", "reviewed_by").defer(
        "artifact"
    )


def model_versions_list(*, jobcenter_id: int | None, specification: FeatureSpec | None = None):
    """The jobcenter's versions (never another's)."""
    versions = _versions().filter(jobcenter_id=jobcenter_id)
    if specification is not None:
        versions = versions.filter(specification=specification)
    return versions.order_by("specification__name", "-number")


def model_version_get(*, version_id: int, jobcenter_id: int | None) -> ModelVersion | None:
    """One of the jobcenter's versions; None for another jobcenter's (a page's 404)."""
    return _versions().filter(pk=version_id, jobcenter_id=jobcenter_id).first()


def model_version_by_id(*, version_id: int) -> ModelVersion | None:
    """Any jobcenter's version by id: for tasks and operators' commands that were handed
    an id by the system itself, never for a user's request (use ``model_version_get``)."""
    return _versions().filter(pk=version_id).first()


def model_version_active(*, specification_id: int, jobcenter_id: int | None) -> ModelVersion | None:
    """The version that scores the jobcenter's citizens assessed on ``specification_id``
    (a version always belongs to a jobcenter: none without one)."""
    if jobcenter_id is None:
        return None
    found = ACTIVE_VERSION.read(specification=specification_id, jobcenter=jobcenter_id)
    return found[0] if found else None


def model_versions_active(*, jobcenter_id: int | None):
    """The jobcenter's active versions (one per specification it uses)."""
    return (
        ModelVersion.objects.select_related("specification", "reviewed_by")
        .defer("artifact")
        .filter(jobcenter_id=jobcenter_id, status=ModelStatus.ACTIVE)
        .order_by("specification__name")
    )


def model_versions_active_all():
    """Every jobcenter's active versions: for the nightly tasks that go through each
    jobcenter in turn (drift), never for a page."""
    return (
        ModelVersion.objects.select_related("specification", "reviewed_by")
        .defer("artifact")
        .filter(status=ModelStatus.ACTIVE)
        .order_by("jobcenter_id", "specification__name")
    )


def training_run_get(*, run_id, jobcenter_id: int | None) -> TrainingRun | None:
    return (
        TrainingRun.objects.select_related("specification", "model_version")
        .filter(pk=run_id, jobcenter_id=jobcenter_id)
        .first()
    )


def training_runs_recent(*, jobcenter_id: int | None, limit: int = 10):
    return TrainingRun.objects.select_related(
        "specification", "model_version", "requested_by"
    ).filter(jobcenter_id=jobcenter_id)[:limit]


def scoring_control(*, jobcenter_id: int | None) -> ScoringControl:
    """The jobcenter's switches (unsaved defaults until someone first sets one)."""
    found = SCORING_CONTROL.read(jobcenter=jobcenter_id) if jobcenter_id is not None else []
    return found[0] if found else ScoringControl(jobcenter_id=jobcenter_id)


# Read for every estimate shown: compiled once per connection.
ACTIVE_VERSION = CompiledRead(
    lambda *, specification, jobcenter: (
        ModelVersion.objects.select_related("specification")
        .defer("artifact")
        .filter(jobcenter_id=jobcenter, specification_id=specification, status=ModelStatus.ACTIVE)
        .order_by("pk")[:1]
    ),
    specification=StandIn.integer(21),
    jobcenter=StandIn.integer(22),
)
SCORING_CONTROL = CompiledRead(
    lambda *, jobcenter: ScoringControl.objects.filter(jobcenter_id=jobcenter).order_by("pk")[:1],
    jobcenter=StandIn.integer(23),
)


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


def assessment_for_inputs(*, specification_id: int, jobcenter_id: int, inputs: dict) -> Assessment:
    """What the model of the citizen's jobcenter (``jobcenter_id``) says about ``inputs``;
    the jobcenter's own stop switch decides whether it may say anything."""
    control = scoring_control(jobcenter_id=jobcenter_id)
    if control.scoring_paused:
        return Assessment(state="paused", message=control.pause_reason)
    version = model_version_active(specification_id=specification_id, jobcenter_id=jobcenter_id)
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
