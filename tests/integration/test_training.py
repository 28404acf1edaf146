"""Training through the real broker and worker on PostgreSQL: a run reports progress
and ends with a version; a worker killed mid-training leaves no half-made version, and
the redelivered task finishes the same run."""

import signal
import time

from prediction import registry
from prediction.models import ModelVersion, TrainingRun
from tests.prediction.history import REPO_SPECS, history_load, spec_register


def _wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _queued_run(analyst, n):
    feature_spec = spec_register(REPO_SPECS / "default.toml")
    history_load(feature_spec, n=n, seed=3)
    return registry.training_run_request(specification=feature_spec, user=analyst, enqueue=False)


def test_a_training_run_goes_through_the_worker_and_ends_with_a_version(
    celery_worker_process, analyst
):
    client, queue = celery_worker_process
    run = _queued_run(analyst, 3000)
    result = client.send_task(
        "prediction.tasks.model_retrain_task", kwargs={"run_id": str(run.pk)}, queue=queue
    )
    answer = result.get(timeout=180)
    run.refresh_from_db()
    assert answer["state"] == "succeeded"
    assert run.state == TrainingRun.State.SUCCEEDED and run.progress == 100
    version = ModelVersion.objects.get(pk=answer["model_version"])
    assert version.trained_by == analyst
    assert version.model_card["metrics"]["auc"] > 0.6


def test_a_killed_worker_leaves_no_half_made_version(celery_worker_process, analyst):
    client, queue = celery_worker_process
    run = _queued_run(analyst, 60_000)
    client.send_task(
        "prediction.tasks.model_retrain_task", kwargs={"run_id": str(run.pk)}, queue=queue
    )
    assert _wait(
        lambda: TrainingRun.objects.filter(pk=run.pk, state="running", progress__gte=5).exists(),
        120,
    ), "the run never started"
    client.worker_process.send_signal(signal.SIGKILL)
    client.worker_process.wait(timeout=20)
    assert not ModelVersion.objects.exists()
    run.refresh_from_db()
    assert run.state == TrainingRun.State.RUNNING  # unfinished, not half-saved

    # The broker redelivers the unacknowledged task; running it again finishes the run.
    again = registry.training_run_execute(run_id=run.pk)
    assert again.state == TrainingRun.State.SUCCEEDED
    assert ModelVersion.objects.count() == 1
