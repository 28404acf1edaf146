"""The model registry: training runs, four eyes, one active version, rollback, the stop
switch, auto-promotion and artefact integrity, on real trained models."""

import pytest
from django.db import IntegrityError, transaction

from audit.actions import AuditAction
from audit.models import AuditEvent
from prediction import registry
from prediction.artifacts import ArtifactRefused, artifact_load, compiled_cache
from prediction.models import ModelStatus, ModelVersion, TrainingRun
from prediction.selectors import assessment_for_inputs, model_compiled
from prediction.training import TrainingParameters
from tests.prediction.history import REPO_SPECS, SPECS, history_load, spec_register

pytestmark = pytest.mark.django_db

FAST = TrainingParameters(max_depths=(3, 4), leaf_multipliers=(1,), cv_folds=2, leaf_floor=30)


def train(feature_spec, user):
    run = registry.training_run_request(specification=feature_spec, user=user, enqueue=False)
    run = registry.training_run_execute(run_id=run.pk, parameters=FAST)
    assert run.state == TrainingRun.State.SUCCEEDED, run.message
    return run.model_version


@pytest.fixture
def default_spec():
    feature_spec = spec_register(REPO_SPECS / "default.toml")
    history_load(feature_spec, n=1500)
    return feature_spec


@pytest.fixture
def small_spec():
    feature_spec = spec_register(SPECS / "small.toml")
    history_load(feature_spec, n=1200, seed=11)
    return feature_spec


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_it_trains_a_candidate_with_a_card_and_audits_it(default_spec, analyst):
    version = train(default_spec, analyst)
    assert version.status == ModelStatus.CANDIDATE
    assert version.trained_by == analyst
    assert version.n_train + version.n_test == 1500
    assert version.model_card["metrics"]["auc"] > 0.6
    assert version.model_card["data"]["n_test"] == version.n_test
    assert events(AuditAction.MODEL_TRAIN).filter(model_version_id=version.pk).count() == 1


def test_it_trains_on_a_specification_without_dates(small_spec, analyst):
    version = train(small_spec, analyst)
    assert version.model_card["data"]["split_method"] == "stratified"
    assert version.data_from is None
    assert {f["name"] for f in version.model_card["inputs"]} == {"age", "sector", "has_car"}


def test_an_analyst_cannot_approve_their_own_or_any_model(default_spec, analyst, manager):
    version = train(default_spec, analyst)
    with pytest.raises(registry.RegistryRefused):
        registry.model_version_approve(version=version, user=analyst)
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    assert not events(AuditAction.MODEL_APPROVE).exists()


def test_nobody_approves_a_version_they_trained(default_spec, manager, dpo):
    run = registry.training_run_request(
        specification=default_spec,
        user=None,
        jobcenter_id=manager.jobcenter_id,
        trigger=TrainingRun.Trigger.SCHEDULE,
        enqueue=False,
    )
    version = registry.training_run_execute(run_id=run.pk, parameters=FAST).model_version
    ModelVersion.objects.filter(pk=version.pk).update(trained_by=manager)
    version.refresh_from_db()
    with pytest.raises(registry.RegistryRefused, match="someone else"):
        registry.model_version_approve(version=version, user=manager)
    registry.model_version_approve(version=version, user=dpo)
    version.refresh_from_db()
    assert version.status == ModelStatus.APPROVED and version.reviewed_by == dpo


def test_activation_retires_the_previous_and_rollback_restores_it(default_spec, analyst, manager):
    first = train(default_spec, analyst)
    registry.model_version_approve(version=first, user=manager)
    registry.model_version_activate(version=first, user=manager)
    history_load(default_spec, n=1600, seed=9)  # new data, so a new version
    second = train(default_spec, analyst)
    with pytest.raises(registry.RegistryRefused):  # not approved yet
        registry.model_version_activate(version=second, user=manager)
    registry.model_version_approve(version=second, user=manager)
    registry.model_version_activate(version=second, user=manager)
    first.refresh_from_db()
    assert first.status == ModelStatus.RETIRED
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).get() == second

    restored = registry.model_version_rollback(specification=default_spec, user=manager)
    assert restored == first
    second.refresh_from_db()
    assert second.status == ModelStatus.RETIRED
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).get() == first
    assert events(AuditAction.MODEL_ACTIVATE).count() == 2
    assert events(AuditAction.MODEL_ROLLBACK).count() == 1


def test_the_database_refuses_a_second_active_version(default_spec, analyst):
    first = train(default_spec, analyst)
    history_load(default_spec, n=1600, seed=9)
    second = train(default_spec, analyst)
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelStatus.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status=ModelStatus.ACTIVE)


def test_a_tampered_artefact_is_refused_and_means_no_score(default_spec, analyst, manager):
    version = train(default_spec, analyst)
    registry.model_version_approve(version=version, user=manager)
    registry.model_version_activate(version=version, user=manager)
    data = bytearray(ModelVersion.objects.get(pk=version.pk).artifact)
    data[len(data) // 2] ^= 0xFF
    ModelVersion.objects.filter(pk=version.pk).update(artifact=bytes(data))
    compiled_cache.clear()
    with pytest.raises(ArtifactRefused, match="differs"):
        model_compiled(version=ModelVersion.objects.get(pk=version.pk))
    assessment = assessment_for_inputs(
        specification_id=default_spec.pk, jobcenter_id=manager.jobcenter_id, inputs={}
    )
    assert assessment.state == "refused"
    compiled_cache.clear()


def test_an_artefact_with_an_unreviewed_type_is_refused():
    import hashlib

    import skops.io
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipeline = Pipeline([("f", FunctionTransformer(func=abs)), ("m", LogisticRegression())])
    data = skops.io.dumps(pipeline)
    with pytest.raises(ArtifactRefused, match="unreviewed"):
        artifact_load(data=data, sha256=hashlib.sha256(data).hexdigest())


def test_the_stop_switch_pauses_all_scoring_and_needs_a_reason(default_spec, analyst, manager):
    version = train(default_spec, analyst)
    registry.model_version_approve(version=version, user=manager)
    registry.model_version_activate(version=version, user=manager)
    with pytest.raises(registry.RegistryRefused, match="reason"):
        registry.scoring_pause_set(user=manager, paused=True, reason=" ")
    with pytest.raises(registry.RegistryRefused):
        registry.scoring_pause_set(user=analyst, paused=True, reason="test")
    registry.scoring_pause_set(user=manager, paused=True, reason="Fejl i data fra Jobnet")
    assert (
        assessment_for_inputs(
            specification_id=default_spec.pk, jobcenter_id=manager.jobcenter_id, inputs={}
        ).state
        == "paused"
    )
    registry.scoring_pause_set(user=manager, paused=False)
    assert (
        assessment_for_inputs(
            specification_id=default_spec.pk, jobcenter_id=manager.jobcenter_id, inputs={}
        ).state
        != "paused"
    )
    # Stop and resume are two distinct actions in the log.
    assert events(AuditAction.SCORING_STOP).count() == 1
    assert events(AuditAction.SCORING_RESUME).count() == 1


def test_unchanged_data_make_no_new_version_on_schedule(default_spec, analyst):
    train(default_spec, analyst)
    runs = registry.scheduled_training_request()
    assert len(runs) == 1
    run = registry.training_run_execute(run_id=runs[0].pk, parameters=FAST)
    assert run.state == TrainingRun.State.UNCHANGED
    assert ModelVersion.objects.count() == 1


def test_a_finished_run_is_not_repeated(default_spec, analyst):
    version = train(default_spec, analyst)
    run = TrainingRun.objects.get(model_version=version)
    again = registry.training_run_execute(run_id=run.pk, parameters=FAST)
    assert again.model_version == version
    assert ModelVersion.objects.count() == 1


def test_too_little_data_fails_the_run_with_a_reason(analyst):
    feature_spec = spec_register(SPECS / "small.toml")
    history_load(feature_spec, n=40)
    run = registry.training_run_request(specification=feature_spec, user=analyst, enqueue=False)
    run = registry.training_run_execute(run_id=run.pk, parameters=FAST)
    assert run.state == TrainingRun.State.FAILED
    assert run.message
    assert not ModelVersion.objects.exists()


def test_auto_promotion_is_off_by_default_and_gated_when_on(default_spec, analyst, manager):
    version = train(default_spec, analyst)
    assert version.status == ModelStatus.CANDIDATE  # off by default
    registry.auto_promote_set(user=manager, enabled=True)
    history_load(default_spec, n=1600, seed=12)
    promoted = train(default_spec, analyst)
    promoted.refresh_from_db()
    passed = promoted.model_card["metrics"]["ece"] <= 0.05
    assert promoted.status == (ModelStatus.ACTIVE if passed else ModelStatus.CANDIDATE)


def test_rolling_back_twice_goes_further_back(default_spec, analyst, manager):
    versions = []
    for seed in (21, 22, 23):
        history_load(default_spec, n=1500, seed=seed)
        version = train(default_spec, analyst)
        registry.model_version_approve(version=version, user=manager)
        registry.model_version_activate(version=version, user=manager)
        versions.append(version)
    first, second, third = versions
    assert registry.model_version_rollback(specification=default_spec, user=manager) == second
    assert registry.model_version_rollback(specification=default_spec, user=manager) == first
    with pytest.raises(registry.RegistryRefused, match="No earlier"):
        registry.model_version_rollback(specification=default_spec, user=manager)
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE) == first
    third.refresh_from_db()
    assert third.status == ModelStatus.RETIRED


def test_auto_promotion_setting_is_audited_as_policy(manager):
    registry.auto_promote_set(user=manager, enabled=True)
    assert events(AuditAction.MODEL_POLICY).count() == 1
    assert not events(AuditAction.SCORING_STOP).exists()


def test_retiring_the_active_version_stops_its_scores_and_is_audited_once(
    default_spec, analyst, manager
):
    version = train(default_spec, analyst)
    registry.model_version_approve(version=version, user=manager)
    registry.model_version_activate(version=version, user=manager)
    with pytest.raises(registry.RegistryRefused):
        registry.model_version_retire(version=version, user=analyst)
    assert events(AuditAction.MODEL_RETIRE).count() == 0
    registry.model_version_retire(version=version, user=manager, reason="replaced by hand")
    version.refresh_from_db()
    assert version.status == ModelStatus.RETIRED and version.retired_at is not None
    retired = events(AuditAction.MODEL_RETIRE).get()
    assert retired.reason == "replaced by hand" and retired.model_version_id == version.pk
    assert not ModelVersion.objects.filter(status=ModelStatus.ACTIVE).exists()
    with pytest.raises(registry.RegistryRefused):  # a retired version cannot be retired again
        registry.model_version_retire(version=version, user=manager)
    assert events(AuditAction.MODEL_RETIRE).count() == 1


# -- The quality gate ------------------------------------------------------------------


@pytest.fixture
def no_signal_spec():
    """A small history whose outcome the inputs say nothing about."""
    feature_spec = spec_register(REPO_SPECS / "default.toml")
    history_load(feature_spec, n=900, seed=31, signal=0.0)
    return feature_spec


def test_a_version_with_no_signal_is_not_better_than_a_guess(no_signal_spec, analyst):
    version = train(no_signal_spec, analyst)
    gate = version.quality_gate
    assert gate["passed"] is False and gate["better_than_guess"] is False
    assert {cause["code"] for cause in gate["causes"]} & {"few_cases", "no_signal"}
    metrics = version.model_card["metrics"]
    assert metrics["auc_interval"][0] <= metrics["auc"] <= metrics["auc_interval"][1]


def test_a_version_with_a_strong_signal_passes_the_gate(default_spec, analyst):
    version = train(default_spec, analyst)
    assert version.quality_gate["better_than_guess"] is True, version.quality_gate


def test_a_failing_version_needs_an_acknowledgement_and_a_reason(no_signal_spec, analyst, manager):
    version = train(no_signal_spec, analyst)
    with pytest.raises(registry.RegistryRefused, match="quality gate"):
        registry.model_version_approve(version=version, user=manager)
    with pytest.raises(registry.RegistryRefused, match="quality gate"):
        registry.model_version_approve(
            version=version, user=manager, gate_acknowledged=True, gate_reason="  "
        )
    with pytest.raises(registry.RegistryRefused, match="quality gate"):
        registry.model_version_approve(version=version, user=manager, gate_reason="pilot only")
    assert not events(AuditAction.MODEL_APPROVE).exists()
    registry.model_version_approve(
        version=version, user=manager, gate_acknowledged=True, gate_reason="pilot only"
    )
    version.refresh_from_db()
    assert version.status == ModelStatus.APPROVED and version.review_note == "pilot only"
    event = events(AuditAction.MODEL_APPROVE).get()
    assert event.reason == "pilot only"
    assert event.details["gate_acknowledged"] is True
    assert event.details["quality_gate"]["passed"] is False
    assert event.details["quality_gate"]["reasons"]


def test_a_failing_version_is_never_auto_promoted(no_signal_spec, analyst, manager):
    registry.auto_promote_set(user=manager, enabled=True)
    version = train(no_signal_spec, analyst)
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    held = events(AuditAction.MODEL_POLICY).filter(model_version_id=version.pk).get()
    assert held.details["quality_gate"]["passed"] is False


def test_an_old_version_without_intervals_is_judged_on_its_point_figures(
    default_spec, analyst, manager
):
    version = train(default_spec, analyst)
    card = version.model_card
    for key in list(card["metrics"]):
        if key.endswith("_interval"):
            del card["metrics"][key]
    ModelVersion.objects.filter(pk=version.pk).update(model_card=card)
    version = ModelVersion.objects.get(pk=version.pk)
    assert version.quality_gate["intervals"] is False
    assert version.quality_gate["better_than_guess"] is True
    registry.model_version_approve(version=version, user=manager)


# -- Retraining with the same data (issue 13) ---------------------------------------------


def test_retraining_with_the_same_data_and_parameters_makes_no_identical_version(analyst, client):
    from django.urls import reverse

    from prediction import registry
    from prediction.models import ModelVersion, TrainingRun
    from prediction.training import TrainingParameters as _Params
    from tests.factories import default_feature_spec
    from tests.prediction.history import history_load

    specification = default_feature_spec()
    history_load(specification, n=600, seed=5)
    fast = _Params(max_depths=(3,), leaf_multipliers=(1,), cv_folds=2, leaf_floor=30)

    def train(parameters):
        run = registry.training_run_request(
            specification=specification, user=analyst, enqueue=False
        )
        return registry.training_run_execute(run_id=run.pk, parameters=parameters)

    first = train(fast)
    assert first.state == TrainingRun.State.SUCCEEDED
    again = train(fast)
    assert again.state == TrainingRun.State.UNCHANGED
    assert again.model_version == first.model_version
    assert ModelVersion.objects.filter(specification=specification).count() == 1
    client.force_login(analyst)
    page = client.get(reverse("prediction:run", args=[again.pk])).content.decode()
    assert "Intet er ændret." in page
    assert f"de samme som for version {first.model_version.number}" in page
    assert "i kø" not in page.lower()
    # other parameters are a reason to train
    other = train(_Params(max_depths=(4,), leaf_multipliers=(1,), cv_folds=2, leaf_floor=30))
    assert other.state == TrainingRun.State.SUCCEEDED
    assert other.model_version.number == first.model_version.number + 1
