"""A worker killed in the middle of re-scoring leaves no half-written estimates, and the
task run again writes them all; two trainings of a specification never overlap (the
training lock, a PostgreSQL advisory lock held while a run trains). A worker killed
mid-training: tests/integration/test_training.py."""

import signal

import psycopg2
import pytest

from casework.models import AssessmentSnapshot, Estimate
from casework.scoring import open_spells_rescore
from prediction import registry
from prediction.models import ModelVersion, TrainingRun
from tests.casework.test_scoring import activate, demo_generate
from tests.integration.conftest import _database_url_for_test_db
from tests.integration.servers import wait_for
from tests.prediction.history import REPO_SPECS, history_load, spec_register


def _other_session():
    """A database session of its own, as another worker's."""
    connection = psycopg2.connect(_database_url_for_test_db())
    connection.autocommit = True
    return connection


def test_a_worker_killed_while_writing_estimates_leaves_none_and_the_rerun_writes_all(
    celery_worker_process, django_capture_on_commit_callbacks, monkeypatch
):
    client, queue = celery_worker_process
    feature_spec = demo_generate(400)
    from casework.scoring import training_store_feed

    training_store_feed(specification_id=feature_spec.pk)
    # Activated without its re-scoring: that is sent to the worker below.
    monkeypatch.setattr(
        "casework.tasks.open_spells_rescore_task.apply_async", lambda *args, **kwargs: None
    )
    version = activate(feature_spec, django_capture_on_commit_callbacks)
    assert not Estimate.objects.exists()
    pending = AssessmentSnapshot.objects.filter(
        spell__end_date__isnull=True, corrections__isnull=True
    ).count()
    assert pending > 20

    # Another session holds the estimates table, so the worker's INSERT (after its COPY
    # into the load table, inside its transaction) waits: then it is killed.
    blocker, watcher = _other_session(), _other_session()
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE casework_estimate IN EXCLUSIVE MODE")
        client.send_task(
            "casework.tasks.open_spells_rescore_task",
            kwargs={"model_version_id": version.pk},
            queue=queue,
        )

        seen: list[str] = []

        blocker_pid = blocker.get_backend_pid()

        def worker_waits_on_the_insert():
            # Not from the blocker's session: its transaction sees one snapshot of
            # pg_stat_activity throughout.
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT query FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> %s",
                    [[blocker_pid]],
                )
                waiting = [query for (query,) in cursor.fetchall()]
                seen[:] = waiting
                return any(query.startswith('INSERT INTO "casework_estimate"') for query in waiting)

        assert wait_for(worker_waits_on_the_insert, 60), f"never at the insert: {seen}"
        client.worker_process.send_signal(signal.SIGKILL)
        client.worker_process.wait(timeout=20)
        with blocker.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()
        watcher.close()

    # The killed session's transaction is rolled back by PostgreSQL: nothing half-written.
    assert wait_for(lambda: not Estimate.objects.exists(), 10)
    # Run again (as the broker redelivers the unacknowledged task): every open spell.
    assert open_spells_rescore(model_version_id=version.pk) == pending
    assert Estimate.objects.filter(model_version=version).count() == pending
    # And once more: nothing twice.
    assert open_spells_rescore(model_version_id=version.pk) == 0
    assert Estimate.objects.count() == pending


def test_two_trainings_of_a_specification_never_overlap(postgresql, analyst):
    feature_spec = spec_register(REPO_SPECS / "default.toml")
    history_load(feature_spec, n=2000, seed=3)
    run = registry.training_run_request(specification=feature_spec, user=analyst, enqueue=False)
    # A second request while it is queued gets the same run, not a second one.
    assert registry.training_run_request(
        specification=feature_spec, user=analyst, enqueue=False
    ) == run

    # Another worker is training the specification (it holds the training lock): this
    # one, handed the same run again, leaves it alone.
    other = _other_session()
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, %s)", [registry._TRAINING_LOCK_KEY, feature_spec.pk]
            )
        left = registry.training_run_execute(run_id=run.pk)
        assert left.state == TrainingRun.State.QUEUED
        assert not ModelVersion.objects.exists()
    finally:
        other.close()  # that worker dies: its session, and its lock, end with it

    done = registry.training_run_execute(run_id=run.pk)
    assert done.state == TrainingRun.State.SUCCEEDED
    assert ModelVersion.objects.count() == 1
    # Handed the finished run again, nothing more is trained.
    assert registry.training_run_execute(run_id=run.pk).state == TrainingRun.State.SUCCEEDED
    assert ModelVersion.objects.count() == 1


@pytest.fixture(autouse=True)
def _no_stray_lock(postgresql):
    yield
    with postgresql.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock_all()")
