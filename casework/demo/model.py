"""The demo's first model: the closed spells assessed before the demo's two years of use
feed the training store, the demo analyst trains, the demo manager approves and
activates (four eyes, as in real use); then the two years of use are written
(``casework.demo.usage``), on spells the model never learned from."""

from django.utils import timezone

from casework.demo.usage import demo_usage_create, usage_start
from casework.scoring import drift_monitor, training_store_feed
from jobcenter.models import Jobcenter, User
from prediction import registry
from prediction.models import ModelStatus, ModelVersion, TrainingRun
from prediction.selectors import feature_spec_latest
from prediction.specification import DEFAULT_SPECIFICATION_PATH, specification_from_toml


def demo_model_ensure(*, say=print) -> ModelVersion | None:
    """Trains, approves and activates the demo jobcenter's model for the default
    specification (national, adopted by the jobcenter) on the jobcenter's own closed
    spells, unless one is active already. Returns the active version (None if training
    failed)."""
    name = specification_from_toml(DEFAULT_SPECIFICATION_PATH.read_text(encoding="utf-8")).name
    analyst = User.objects.get(username="analyst")
    manager = User.objects.get(username="manager")
    jobcenter_id = analyst.jobcenter_id
    specification = feature_spec_latest(name=name, jobcenter_id=jobcenter_id)
    if specification is None:
        return None
    active = ModelVersion.objects.filter(
        jobcenter_id=jobcenter_id, specification=specification, status=ModelStatus.ACTIVE
    ).first()
    if active is not None:
        say(f"Model version {active.number} is active already.")
        return active
    today = timezone.localdate()
    counts = training_store_feed(
        jobcenter_id=jobcenter_id,
        specification_id=specification.pk,
        as_of_before=usage_start(today),
    )
    for spec_name, count in counts.items():
        say(f"Training store for {spec_name}: {count.created:,} new, {count.updated:,} updated")
    run = registry.training_run_request(
        specification=specification,
        user=analyst,
        trigger=TrainingRun.Trigger.COMMAND,
        enqueue=False,
    )
    run = registry.training_run_execute(run_id=run.pk)
    if run.state != TrainingRun.State.SUCCEEDED or run.model_version is None:
        say(f"Training did not produce a model: {run.message}")
        return None
    version = run.model_version
    gate = version.quality_gate
    if gate["passed"]:
        registry.model_version_approve(version=version, user=manager, note="Demo setup")
    else:
        # The demo must come up; the gate's warning stays on every page that shows it.
        for reason in gate["reasons"]:
            say(f"Quality gate: {reason['text_en']}")
        registry.model_version_approve(
            version=version,
            user=manager,
            note="Demo setup",
            gate_acknowledged=True,
            gate_reason="Demo setup: approved despite the quality gate, to show its warnings.",
        )
    version = registry.model_version_activate(version=version, user=manager)
    for jobcenter in Jobcenter.objects.filter(pk=analyst.jobcenter_id):
        used = demo_usage_create(jobcenter=jobcenter, version=version, today=today, seed=version.pk)
        say(
            f"Two years of use: {used['judgements']:,} judgements, "
            f"{used['objections']:,} objections, {used['corrections']:,} corrections"
        )
    # The night's drift check, once, so the cockpit has a drift report from the start.
    drift_monitor()
    metrics = version.metrics
    say(
        f"Model version {version.number} trained by analyst, approved and activated by manager: "
        f"AUC {metrics.get('auc', 0):.3f} (reference "
        f"{version.model_card.get('reference', {}).get('auc', 0):.3f}), "
        f"{version.model_card.get('tree', {}).get('leaves')} rules"
    )
    return version
