"""Migrations prediction 0004-0006 carry a one-municipality installation's rows to the
jobcenter that owns them: a fresh database, a database with one jobcenter, and
training data imported before any jobcenter existed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("prediction", "0003_estimate_wording"), ("jobcenter", "0005_role_service")]
AFTER = [("prediction", "0006_jobcenter_owner_required")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _legacy_rows(apps, *, with_jobcenter: bool):
    Jobcenter = apps.get_model("jobcenter", "Jobcenter")
    User = apps.get_model("jobcenter", "User")
    FeatureSpec = apps.get_model("prediction", "FeatureSpec")
    jobcenter = (
        Jobcenter.objects.create(
            name="Jobcenter Gammelby", municipality_code="657", dpo_contact="x"
        )
        if with_jobcenter
        else None
    )
    analyst = User.objects.create(username="gammel_analytiker", jobcenter=jobcenter)
    spec = FeatureSpec.objects.create(
        name="default",
        version=1,
        title_da="t",
        title_en="t",
        source_toml="",
        sha256="0" * 64,
        definition={},
    )
    version = apps.get_model("prediction", "ModelVersion").objects.create(
        specification=spec,
        number=1,
        status="active",
        n_train=10,
        n_test=5,
        base_rate=0.4,
        artifact=b"x",
        artifact_sha256="0" * 64,
        sklearn_version="1",
        numpy_version="1",
        training_fingerprint="0" * 64,
        trained_by=analyst,
    )
    apps.get_model("prediction", "TrainingRun").objects.create(
        specification=spec, requested_by=analyst, trigger="button", model_version=version
    )
    apps.get_model("prediction", "TrainingRecord").objects.create(
        specification=spec,
        record_id="R1",
        inputs={},
        outcome=True,
        source="import",
        content_sha256="0" * 64,
    )
    apps.get_model("prediction", "ScoringControl").objects.create(
        pk=1, scoring_paused=True, pause_reason="Fejl i data"
    )
    return jobcenter


def _owned_by(apps, code: str):
    jobcenter = apps.get_model("jobcenter", "Jobcenter").objects.get(municipality_code=code)
    for name in ("ModelVersion", "TrainingRun", "TrainingRecord"):
        rows = apps.get_model("prediction", name).objects.all()
        assert rows.count() == 1
        assert {row.jobcenter_id for row in rows} == {jobcenter.pk}, name
    control = apps.get_model("prediction", "ScoringControl").objects.get()
    assert control.jobcenter_id == jobcenter.pk
    assert control.scoring_paused and control.pause_reason == "Fejl i data"
    spec = apps.get_model("prediction", "FeatureSpec").objects.get()
    assert spec.jobcenter_id is None  # specifications stay national


def test_an_installation_with_one_jobcenter_gives_it_everything():
    old = _migrate(BEFORE)
    _legacy_rows(old, with_jobcenter=True)
    new = _migrate(AFTER)
    _owned_by(new, "657")
    # A second jobcenter's switch gets a fresh id (the old row kept id 1).
    other = new.get_model("jobcenter", "Jobcenter").objects.create(
        name="Jobcenter Nyby", municipality_code="658", dpo_contact="x"
    )
    assert new.get_model("prediction", "ScoringControl").objects.create(jobcenter=other).pk != 1


def test_training_data_without_any_jobcenter_get_one_to_hold_them():
    old = _migrate(BEFORE)
    _legacy_rows(old, with_jobcenter=False)
    _owned_by(_migrate(AFTER), "000")


def test_a_fresh_database_gets_no_jobcenter_and_no_switch():
    _migrate(BEFORE)
    new = _migrate(AFTER)
    assert not new.get_model("jobcenter", "Jobcenter").objects.exists()
    assert not new.get_model("prediction", "ScoringControl").objects.exists()
