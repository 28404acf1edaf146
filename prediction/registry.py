"""The model registry's writes: training, approval (four eyes), activation, retirement,
rollback, the stop switch and the auto-promotion policy. One function, one transaction,
one audit event. Signals only announce (``prediction.signals``); they never audit.

Who may do what:
- an analyst (or an administrator) trains;
- a manager or the DPO approves or rejects, but never a version they trained themselves;
- a manager or the DPO activates, retires, rolls back and pulls the stop switch.

Every version, training run, training record and stop switch belongs to one jobcenter
(each municipality is its own data controller): a jobcenter trains on its own records,
and its staff act only on its own versions and its own switches. A specification is
the jobcenter's own or national (shared, adoptable by any jobcenter).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from jobcenter.background import task_send
from jobcenter.models import Role
from prediction import signals
from prediction.artifacts import artifact_dump, software_versions
from prediction.model_card import model_card_build
from prediction.models import (
    FeatureSpec,
    ModelStatus,
    ModelVersion,
    ScoringControl,
    TrainingRecord,
    TrainingRun,
    TrainingSample,
)
from prediction.policy import auto_promotion_verdict
from prediction.training import TrainingDataError, TrainingParameters, model_fit
from prediction.training_store import training_frame

logger = logging.getLogger(__name__)

TRAINER_ROLES = (Role.ANALYST, Role.ADMINISTRATOR)
REVIEWER_ROLES = (Role.MANAGER, Role.DPO)
# Who may read the registry (the versions, their model cards): its pages and its API.
VIEWER_ROLES = (Role.ANALYST, Role.MANAGER, Role.DPO, Role.ADMINISTRATOR)


class RegistryRefused(Exception):
    """The action is not allowed (wrong role, wrong state, four-eyes rule)."""


class RoleRefused(RegistryRefused):
    """The action is not for the user's role: a page answers it with 403."""


def _require_role(user, roles, what: str) -> None:
    if user is None or not user.has_role(*roles):
        names = ", ".join(str(role.label) for role in roles)
        raise RoleRefused(f"Only {names} may {what}.")


def _require_jobcenter(user, jobcenter_id) -> None:
    """Staff act only on their own jobcenter's versions, runs and switches."""
    if user is not None and getattr(user, "jobcenter_id", None) != jobcenter_id:
        raise RegistryRefused("This belongs to another jobcenter.")


def _user_jobcenter_id(user) -> int:
    jobcenter_id = getattr(user, "jobcenter_id", None)
    if jobcenter_id is None:
        raise RegistryRefused("Only staff of a jobcenter may do this.")
    return jobcenter_id


def specification_usable(*, specification: FeatureSpec, jobcenter_id) -> bool:
    """A jobcenter uses its own specifications and the national ones."""
    return specification.jobcenter_id is None or specification.jobcenter_id == jobcenter_id


def _audit(
    action,
    *,
    user,
    version: ModelVersion | None = None,
    jobcenter_id=None,
    details=None,
    reason="",
):
    if jobcenter_id is None:
        jobcenter_id = version.jobcenter_id if version else getattr(user, "jobcenter_id", None)
    audit_record(
        action=action,
        user=user,
        jobcenter_id=jobcenter_id,
        object_type="model_version" if version else "scoring_control",
        object_id=str(version.pk) if version else str(jobcenter_id),
        model_version_id=version.pk if version else None,
        reason=reason,
        details=details or {},
    )


# -- Training --------------------------------------------------------------------------


def training_fingerprint(*, specification: FeatureSpec, jobcenter_id: int) -> str:
    """A SHA-256 of a jobcenter's training store for a specification: unchanged data,
    same print."""
    digest = hashlib.sha256(specification.sha256.encode())
    if connection.vendor == "postgresql":
        lines = _fingerprint_lines_by_copy(specification, jobcenter_id)
        if lines is not None:
            digest.update(lines)
            return digest.hexdigest()
    rows = (
        TrainingRecord.objects.filter(specification=specification, jobcenter_id=jobcenter_id)
        .order_by("record_id")
        .values_list("record_id", "content_sha256")
    )
    for record_id, content in rows.iterator(chunk_size=20_000):
        digest.update(f"{record_id}\0{content}\n".encode())
    return digest.hexdigest()


def _fingerprint_lines_by_copy(specification: FeatureSpec, jobcenter_id: int) -> bytes | None:
    """The fingerprint's ``record_id NUL content NEWLINE`` lines in one COPY: its text
    format writes ``record_id TAB content NEWLINE``, and escapes a backslash, tab or
    newline inside a value with a backslash; where one occurs, the caller goes the slow
    way so the digest stays the same on every database."""
    table = connection.ops.quote_name(TrainingRecord._meta.db_table)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(
            f"SELECT record_id, content_sha256 FROM {table} "  # noqa: S608 - fixed name
            "WHERE specification_id = %s AND jobcenter_id = %s ORDER BY record_id",
            [specification.pk, jobcenter_id],
        ).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT", buffer)
    data = buffer.getvalue()
    if b"\\" in data:
        return None
    return data.replace(b"\t", b"\0")


def training_unchanged(
    *, version: ModelVersion, fingerprint: str, parameters: TrainingParameters, scheduled: bool
) -> bool:
    """Whether training now would make ``version`` again: the same training data and
    specification (the fingerprint) and, unless the schedule asks, the same parameters
    (a schedule always trains with the defaults; an analyst may have chosen others).
    Then nothing is trained, and the run says nothing changed."""
    if version.training_fingerprint != fingerprint:
        return False
    if scheduled:
        return True
    stored = {key: value for key, value in (version.parameters or {}).items() if key != "chosen"}
    return stored == json.loads(json.dumps(parameters.to_dict()))


def training_run_request(
    *,
    specification: FeatureSpec,
    user,
    jobcenter_id: int | None = None,
    trigger: str = TrainingRun.Trigger.BUTTON,
    enqueue: bool = True,
) -> TrainingRun:
    """Queues a training run for a jobcenter (the user's; the schedule names it with
    ``jobcenter_id``) and sends it to the training queue once committed. A run already
    queued or running for the jobcenter and specification is returned instead of a
    second. Raises ``jobcenter.background.BackgroundUnavailable`` (and keeps nothing)
    when the broker does not answer. ``enqueue=False`` leaves the run for the caller to
    execute (the demo setup does, so it can wait for the result even with a remote
    worker)."""
    if trigger != TrainingRun.Trigger.SCHEDULE:
        _require_role(user, TRAINER_ROLES, "train a model")
    if user is not None:
        if jobcenter_id is None:
            jobcenter_id = _user_jobcenter_id(user)
        _require_jobcenter(user, jobcenter_id)
    if jobcenter_id is None:
        raise RegistryRefused("A training run belongs to a jobcenter.")
    if not specification_usable(specification=specification, jobcenter_id=jobcenter_id):
        raise RegistryRefused("This specification belongs to another jobcenter.")
    with transaction.atomic():
        FeatureSpec.objects.select_for_update().get(pk=specification.pk)
        pending = TrainingRun.objects.filter(
            jobcenter_id=jobcenter_id,
            specification=specification,
            state__in=[TrainingRun.State.QUEUED, TrainingRun.State.RUNNING],
        ).first()
        if pending is not None:
            return pending
        run = TrainingRun.objects.create(
            jobcenter_id=jobcenter_id,
            specification=specification,
            requested_by=user,
            trigger=trigger,
        )
        if enqueue:
            from prediction.tasks import model_retrain_task  # tasks import this module

            # The broker down: BackgroundUnavailable rolls the run back, so no run is
            # left "queued" that can never run and would block every later training.
            task_send(
                model_retrain_task,
                kwargs={"run_id": str(run.pk)},
                on_failure=lambda: _run_unsent(run.pk),
            )
    return run


def _run_unsent(run_id) -> None:
    """The run was committed but its message could not be sent (the broker went away
    after it answered): it fails, rather than wait for ever and block the next one."""
    TrainingRun.objects.filter(pk=run_id, state=TrainingRun.State.QUEUED).update(
        state=TrainingRun.State.FAILED,
        finished_at=timezone.now(),
        message="Not sent: the queue (Redis) did not answer. Train again.",
    )


def _run_update(run_id, **fields) -> None:
    TrainingRun.objects.filter(pk=run_id).update(**fields)


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return value


# pg_try_advisory_lock(key, specification id): the first key says "training".
_TRAINING_LOCK_KEY = 1_470_001


@contextmanager
def _training_lock(specification_id: int) -> Iterator[bool]:
    """Yields whether this process may train the specification now: on PostgreSQL a
    session-level advisory lock, held while it trains. A second worker handed the same
    run (a message redelivered while the first still works on it) does not train beside
    it. A killed worker's database session ends, and its lock with it, so the run can
    be run again."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [_TRAINING_LOCK_KEY, specification_id]
        )
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [_TRAINING_LOCK_KEY, specification_id]
                )


def training_run_execute(*, run_id, parameters: TrainingParameters | None = None) -> TrainingRun:
    """Does the work of one run (the task's body). Idempotent: a finished run is left
    alone; a run that a killed worker left 'running' starts again from the beginning.
    The version, its artefact, sample and audit event are written in one transaction at
    the end, so a killed worker never leaves a half-made version. Two trainings of a
    specification never overlap: while one trains, another is left as it is."""
    run = TrainingRun.objects.select_related("specification", "requested_by").get(pk=run_id)
    if run.is_finished:
        return run
    with _training_lock(run.specification_id) as locked:
        if not locked:
            logger.warning("run %s: its specification is being trained elsewhere", run.pk)
            return run
        return _training_run_do(run=run, parameters=parameters)


def _training_run_do(*, run: TrainingRun, parameters: TrainingParameters | None) -> TrainingRun:
    _run_update(
        run.pk,
        state=TrainingRun.State.RUNNING,
        started_at=timezone.now(),
        progress=1,
        message="Reading the training data",
    )
    specification = run.specification
    parameters = parameters or TrainingParameters()

    def progress(percent: int, message: str) -> None:
        _run_update(run.pk, progress=max(1, min(99, int(percent))), message=message[:500])

    try:
        fingerprint = training_fingerprint(
            specification=specification, jobcenter_id=run.jobcenter_id
        )
        latest = (
            ModelVersion.objects.filter(specification=specification, jobcenter_id=run.jobcenter_id)
            .exclude(status=ModelStatus.REJECTED)
            .order_by("-number")
            .first()
        )
        if latest is not None and training_unchanged(
            version=latest,
            fingerprint=fingerprint,
            parameters=parameters,
            scheduled=run.trigger == TrainingRun.Trigger.SCHEDULE,
        ):
            _run_update(
                run.pk,
                state=TrainingRun.State.UNCHANGED,
                progress=100,
                finished_at=timezone.now(),
                model_version=latest,
                message="The training data have not changed since the last version.",
            )
            return TrainingRun.objects.get(pk=run.pk)
        frame = training_frame(specification=specification, jobcenter_id=run.jobcenter_id)
        result = model_fit(
            specification=specification.specification,
            frame=frame,
            parameters=parameters,
            progress=progress,
        )
        artifact, sha256 = artifact_dump(result.pipeline)
        version = _version_save(
            run=run, result=result, artifact=artifact, sha256=sha256, fingerprint=fingerprint
        )
    except TrainingDataError as exc:
        _run_update(
            run.pk, state=TrainingRun.State.FAILED, finished_at=timezone.now(), message=str(exc)
        )
        return TrainingRun.objects.get(pk=run.pk)
    except Exception as exc:
        logger.exception("training run %s failed", run.pk)
        _run_update(
            run.pk,
            state=TrainingRun.State.FAILED,
            finished_at=timezone.now(),
            message=f"Training failed: {exc.__class__.__name__}: {exc}"[:500],
        )
        raise
    auto_promotion_apply(version=version)
    return TrainingRun.objects.get(pk=run.pk)


@transaction.atomic
def _version_save(*, run, result, artifact: bytes, sha256: str, fingerprint: str) -> ModelVersion:
    specification = FeatureSpec.objects.select_for_update().get(pk=run.specification_id)
    number = (
        ModelVersion.objects.filter(
            specification=specification, jobcenter_id=run.jobcenter_id
        ).aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    trained_at = timezone.now()
    trained_by = run.requested_by
    card = model_card_build(
        specification=specification.specification,
        result=result,
        trained_by=trained_by.get_username() if trained_by else "system (schedule)",
        trained_at=trained_at,
        version_number=number,
    )
    split = result.split
    versions = software_versions()
    version = ModelVersion.objects.create(
        jobcenter_id=run.jobcenter_id,
        specification=specification,
        number=number,
        parameters=result.parameters.to_dict() | {"chosen": result.chosen},
        data_from=_date(split.get("data_from")),
        data_to=_date(split.get("data_to")),
        n_train=split["n_train"],
        n_test=split["n_test"],
        base_rate=result.base_rate,
        metrics=result.metrics,
        model_card=card,
        artifact=artifact,
        artifact_sha256=sha256,
        sklearn_version=versions["sklearn"],
        numpy_version=versions["numpy"],
        training_fingerprint=fingerprint,
        trained_by=trained_by,
        trained_at=trained_at,
    )
    sample = result.training_inputs_sample
    TrainingSample.objects.create(
        model_version=version,
        columns={
            name: [_jsonable(value) for value in sample[name].tolist()] for name in sample.columns
        },
    )
    _audit(
        AuditAction.MODEL_TRAIN,
        user=trained_by,
        version=version,
        details={
            "specification": str(specification),
            "number": number,
            "auc": result.metrics.get("auc"),
            "n_train": split["n_train"],
            "n_test": split["n_test"],
            "trigger": run.trigger,
            "sha256": sha256,
        },
    )
    TrainingRun.objects.filter(pk=run.pk).update(
        state=TrainingRun.State.SUCCEEDED,
        progress=100,
        finished_at=timezone.now(),
        model_version=version,
        message=f"Version {number} trained",
    )
    return version


def _date(text):
    return datetime.date.fromisoformat(text[:10]) if text else None


# -- Governance ------------------------------------------------------------------------


def _locked(version: ModelVersion, *, user=None) -> ModelVersion:
    """The version, locked; refused when ``user`` belongs to another jobcenter."""
    locked = (
        ModelVersion.objects.select_for_update().select_related("specification").get(pk=version.pk)
    )
    _require_jobcenter(user, locked.jobcenter_id)
    return locked


@transaction.atomic
def model_version_approve(
    *,
    version: ModelVersion,
    user,
    note: str = "",
    gate_acknowledged: bool = False,
    gate_reason: str = "",
) -> ModelVersion:
    """Four eyes: a manager or the DPO approves a candidate someone else trained.

    A version that fails the quality gate (not better than a guess, or a group gap
    wholly above the threshold) is approved only with ``gate_acknowledged`` and a
    written ``gate_reason``; the approval's audit event then carries the gate's reasons
    and the acknowledgement."""
    _require_role(user, REVIEWER_ROLES, "approve a model")
    version = _locked(version, user=user)
    if version.status != ModelStatus.CANDIDATE:
        raise RegistryRefused(f"Only a candidate can be approved; this one is {version.status}.")
    if version.trained_by_id is not None and version.trained_by_id == user.pk:
        raise RegistryRefused("You trained this version; someone else must approve it.")
    gate = version.quality_gate
    details = {}
    reason = note
    if not gate["passed"]:
        gate_reason = gate_reason.strip()
        if not gate_acknowledged or not gate_reason:
            raise RegistryRefused(
                "This version does not pass the quality gate; approving it needs an explicit "
                "acknowledgement and a written reason."
            )
        details = {
            "quality_gate": {
                "passed": False,
                "reasons": [item["code"] for item in gate["reasons"]],
            },
            "gate_acknowledged": True,
            "gate_reason": gate_reason,
        }
        reason = f"{note}\n{gate_reason}".strip() if note.strip() else gate_reason
    version.status = ModelStatus.APPROVED
    version.reviewed_by, version.reviewed_at, version.review_note = user, timezone.now(), reason
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    _audit(AuditAction.MODEL_APPROVE, user=user, version=version, reason=reason, details=details)
    return version


@transaction.atomic
def model_version_reject(*, version: ModelVersion, user, note: str) -> ModelVersion:
    _require_role(user, REVIEWER_ROLES, "reject a model")
    if not note.strip():
        raise RegistryRefused("A rejection needs a reason.")
    version = _locked(version, user=user)
    if version.status not in (ModelStatus.CANDIDATE, ModelStatus.APPROVED):
        raise RegistryRefused(f"A {version.status} version cannot be rejected.")
    version.status = ModelStatus.REJECTED
    version.reviewed_by, version.reviewed_at, version.review_note = user, timezone.now(), note
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    _audit(AuditAction.MODEL_REJECT, user=user, version=version, reason=note)
    return version


def _activate(version: ModelVersion, *, now, rollback: bool = False) -> ModelVersion | None:
    """Retires the active version (if any) and activates ``version``; returns the one
    retired. A normal activation remembers the version it replaced, so a rollback can
    put that one back; a rollback keeps the restored version's own memory, so rolling
    back twice goes further back instead of returning to the version rolled back from.
    The caller holds the lock and writes the audit event."""
    previous = (
        ModelVersion.objects.select_for_update()
        .filter(
            jobcenter_id=version.jobcenter_id,
            specification_id=version.specification_id,
            status=ModelStatus.ACTIVE,
        )
        .first()
    )
    if previous is not None:
        previous.status, previous.retired_at = ModelStatus.RETIRED, now
        previous.save(update_fields=["status", "retired_at"])
    version.status, version.activated_at, version.retired_at = ModelStatus.ACTIVE, now, None
    fields = ["status", "activated_at", "retired_at"]
    if not rollback:
        version.replaces = previous
        fields.append("replaces")
    version.save(update_fields=fields)
    return previous


def _announce_activation(version: ModelVersion) -> None:
    transaction.on_commit(
        lambda: signals.model_version_activated.send(
            sender=ModelVersion, model_version_id=version.pk
        )
    )


@transaction.atomic
def model_version_activate(*, version: ModelVersion, user) -> ModelVersion:
    """An approved (or formerly active) version becomes the one that scores."""
    _require_role(user, REVIEWER_ROLES, "activate a model")
    version = _locked(version, user=user)
    if version.status not in (ModelStatus.APPROVED, ModelStatus.RETIRED):
        raise RegistryRefused(
            f"Only an approved or retired version can be activated; this one is {version.status}."
        )
    if version.status == ModelStatus.RETIRED and version.reviewed_at is None:
        raise RegistryRefused("This version was never approved.")
    previous = _activate(version, now=timezone.now())
    _audit(
        AuditAction.MODEL_ACTIVATE,
        user=user,
        version=version,
        details={"replaces": previous.number if previous else None},
    )
    _announce_activation(version)
    return version


@transaction.atomic
def model_version_retire(*, version: ModelVersion, user, reason: str = "") -> ModelVersion:
    """Takes a version out of use. Retiring the active one leaves nothing scoring for the
    specification until another is activated (pages say so)."""
    _require_role(user, REVIEWER_ROLES, "retire a model")
    version = _locked(version, user=user)
    if version.status not in (ModelStatus.ACTIVE, ModelStatus.APPROVED, ModelStatus.CANDIDATE):
        raise RegistryRefused(f"A {version.status} version cannot be retired.")
    version.status, version.retired_at = ModelStatus.RETIRED, timezone.now()
    version.save(update_fields=["status", "retired_at"])
    _audit(AuditAction.MODEL_RETIRE, user=user, version=version, reason=reason)
    return version


@transaction.atomic
def model_version_rollback(*, specification: FeatureSpec, user, reason: str = "") -> ModelVersion:
    """Puts back the version of the user's jobcenter that was active before the current
    one."""
    _require_role(user, REVIEWER_ROLES, "roll back a model")
    jobcenter_id = _user_jobcenter_id(user)
    FeatureSpec.objects.select_for_update().get(pk=specification.pk)
    current = ModelVersion.objects.filter(
        jobcenter_id=jobcenter_id, specification=specification, status=ModelStatus.ACTIVE
    ).first()
    if current is None:
        raise RegistryRefused("No version is active, so there is nothing to roll back.")
    previous = current.replaces
    if previous is None or previous.status != ModelStatus.RETIRED:
        raise RegistryRefused("No earlier active version to roll back to.")
    _activate(_locked(previous, user=user), now=timezone.now(), rollback=True)
    _audit(
        AuditAction.MODEL_ROLLBACK,
        user=user,
        version=previous,
        reason=reason,
        details={"from": current.number, "to": previous.number},
    )
    _announce_activation(previous)
    return previous


# -- Oversight switches ----------------------------------------------------------------


def scoring_control_get(*, jobcenter_id: int) -> ScoringControl:
    """The jobcenter's switches, made on first use."""
    return ScoringControl.objects.get_or_create(jobcenter_id=jobcenter_id)[0]


@transaction.atomic
def scoring_pause_set(*, user, paused: bool, reason: str = "") -> ScoringControl:
    """The stop switch of the user's jobcenter: while paused, none of its citizens is
    scored. Other jobcenters go on scoring."""
    _require_role(user, REVIEWER_ROLES, "stop or resume scoring")
    jobcenter_id = _user_jobcenter_id(user)
    if paused and not reason.strip():
        raise RegistryRefused("Stopping all scoring needs a reason.")
    control = ScoringControl.objects.select_for_update().get_or_create(jobcenter_id=jobcenter_id)[0]
    control.scoring_paused = paused
    control.pause_reason = reason if paused else ""
    control.changed_by, control.changed_at = user, timezone.now()
    control.save()
    _audit(
        AuditAction.SCORING_STOP if paused else AuditAction.SCORING_RESUME,
        user=user,
        reason=reason,
        details={"paused": paused},
    )
    transaction.on_commit(
        lambda: signals.scoring_paused_changed.send(
            sender=ScoringControl, paused=paused, jobcenter_id=jobcenter_id
        )
    )
    return control


@transaction.atomic
def auto_promote_set(*, user, enabled: bool) -> ScoringControl:
    _require_role(user, REVIEWER_ROLES, "change the auto-promotion policy")
    jobcenter_id = _user_jobcenter_id(user)
    control = ScoringControl.objects.select_for_update().get_or_create(jobcenter_id=jobcenter_id)[0]
    control.auto_promote = enabled
    control.changed_by, control.changed_at = user, timezone.now()
    control.save()
    _audit(AuditAction.MODEL_POLICY, user=user, details={"auto_promote": enabled})
    return control


@transaction.atomic
def auto_promotion_apply(*, version: ModelVersion) -> bool:
    """With auto-promotion on, a new candidate becomes active only if it passes the
    policy gates against the active version (``prediction.policy``). Off by default;
    each jobcenter sets its own policy."""
    control = scoring_control_get(jobcenter_id=version.jobcenter_id)
    if not control.auto_promote:
        return False
    version = _locked(version)
    if version.status != ModelStatus.CANDIDATE:
        return False
    active = ModelVersion.objects.filter(
        jobcenter_id=version.jobcenter_id,
        specification_id=version.specification_id,
        status=ModelStatus.ACTIVE,
    ).first()
    verdict = auto_promotion_verdict(
        candidate=version.model_card, active=active.model_card if active else None
    )
    gate = version.quality_gate
    if not verdict.passed or not gate["passed"]:
        # A version that fails the quality gate is never auto-promoted: a person must
        # approve it, with an acknowledgement.
        reasons = list(verdict.reasons) + [item["text_en"] for item in gate["reasons"]]
        _audit(
            AuditAction.MODEL_POLICY,
            user=None,
            version=version,
            reason="; ".join(reasons),
            details={
                "auto_promotion": "held as candidate",
                "quality_gate": {
                    "passed": gate["passed"],
                    "reasons": [item["code"] for item in gate["reasons"]],
                },
            },
        )
        return False
    version.status, version.review_note = ModelStatus.APPROVED, "auto-promotion policy"
    version.reviewed_at = timezone.now()
    version.save(update_fields=["status", "review_note", "reviewed_at"])
    _audit(
        AuditAction.MODEL_APPROVE,
        user=None,
        version=version,
        details={"auto_promotion": True, "checks": verdict.checks},
    )
    _activate(version, now=timezone.now())
    _audit(
        AuditAction.MODEL_ACTIVATE,
        user=None,
        version=version,
        details={"auto_promotion": True, "replaces": active.number if active else None},
    )
    _announce_activation(version)
    return True


def scheduled_training_request() -> list[TrainingRun]:
    """The beat schedule's retrain: for every jobcenter, a run for the newest version of
    every specification it has training records for (trained on its records only)."""
    runs = []
    pairs = (
        TrainingRecord.objects.values_list("jobcenter_id", "specification__name")
        .distinct()
        .order_by()
    )
    for jobcenter_id, name in sorted(set(pairs)):
        specification = (
            FeatureSpec.objects.filter(
                name=name,
                training_records__jobcenter_id=jobcenter_id,
            )
            .order_by("-version")
            .first()
        )
        runs.append(
            training_run_request(
                specification=specification,
                user=None,
                jobcenter_id=jobcenter_id,
                trigger=TrainingRun.Trigger.SCHEDULE,
            )
        )
    return runs
