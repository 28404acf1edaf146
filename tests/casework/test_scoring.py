"""Casework and the engine: closed spells feed the training store, an activated version
scores the open spells, drift is measured on them; all on a small demo municipality."""

import datetime
import io

import pytest
from django.core.management import call_command

from casework.models import AssessmentSnapshot, Estimate, Spell
from casework.scoring import drift_monitor, open_spells_rescore, training_store_feed
from jobcenter.models import User
from prediction import registry
from prediction.models import DriftReport, FeatureSpec, TrainingRecord, TrainingRun
from prediction.training import TrainingParameters
from prediction.training_store import training_record_pseudonym

FAST = TrainingParameters(max_depths=(3, 4), leaf_multipliers=(1,), cv_folds=2, leaf_floor=30)


def demo_generate(spells: int) -> FeatureSpec:
    out = io.StringIO()
    call_command(
        "generate_demo_data",
        "--spells",
        str(spells),
        "--seed",
        "4",
        "--today",
        "2026-11-25",
        stdout=out,
    )
    return FeatureSpec.objects.get(name="default")


def _one(counts: dict):
    """The counts of the demo's one jobcenter and specification."""
    (key,) = counts
    assert key.endswith(":default v1")
    return counts[key]


@pytest.fixture
def demo(db):
    return demo_generate(1500)


def activate(feature_spec, django_capture_on_commit_callbacks):
    analyst, manager = User.objects.get(username="analyst"), User.objects.get(username="manager")
    run = registry.training_run_request(specification=feature_spec, user=analyst, enqueue=False)
    run = registry.training_run_execute(run_id=run.pk, parameters=FAST)
    assert run.state == TrainingRun.State.SUCCEEDED, run.message
    registry.model_version_approve(version=run.model_version, user=manager)
    with django_capture_on_commit_callbacks(execute=True):
        return registry.model_version_activate(version=run.model_version, user=manager)


def test_closed_spells_feed_the_training_store_once(demo):
    counts = _one(training_store_feed(specification_id=demo.pk))
    closed = Spell.objects.filter(end_date__isnull=False, outcome__isnull=False).count()
    assert counts.created == closed == TrainingRecord.objects.count()
    record = TrainingRecord.objects.first()
    assert set(record.protected) == {"gender", "origin", "postal_code"}
    assert "gender" not in record.inputs
    closed_ids = Spell.objects.filter(end_date__isnull=False).values_list("pk", flat=True)
    assert record.record_id in {training_record_pseudonym(pk) for pk in closed_ids}
    again = _one(training_store_feed(specification_id=demo.pk))
    assert (again.created, again.updated, again.unchanged) == (0, 0, closed)


def test_activation_scores_every_open_spell_in_the_background(
    demo, django_capture_on_commit_callbacks
):
    training_store_feed(specification_id=demo.pk)
    version = activate(demo, django_capture_on_commit_callbacks)
    open_snapshots = AssessmentSnapshot.objects.filter(spell__end_date__isnull=True)
    assert open_snapshots.exists()
    estimates = Estimate.objects.filter(model_version=version)
    assert estimates.count() == open_snapshots.count()
    assert not estimates.filter(spell__end_date__isnull=False).exists()
    scored = estimates.exclude(probability=None)
    assert scored.exists()
    for estimate in scored[:50]:
        cutoffs = version.band_cutoffs
        expected = (
            "low"
            if estimate.probability < cutoffs[0]
            else "high"
            if estimate.probability >= cutoffs[1]
            else "medium"
        )
        assert estimate.band == expected
    assert open_spells_rescore(model_version_id=version.pk) == 0  # idempotent


def test_no_scores_while_scoring_is_stopped(demo, django_capture_on_commit_callbacks):
    training_store_feed(specification_id=demo.pk)
    manager = User.objects.get(username="manager")
    registry.scoring_pause_set(user=manager, paused=True, reason="Kontrol af datakilde")
    version = activate(demo, django_capture_on_commit_callbacks)
    assert not Estimate.objects.filter(model_version=version).exists()


def test_drift_is_measured_for_the_active_version(demo, django_capture_on_commit_callbacks):
    training_store_feed(specification_id=demo.pk)
    version = activate(demo, django_capture_on_commit_callbacks)
    [report] = drift_monitor()
    assert report.model_version == version
    assert (
        report.n_current == AssessmentSnapshot.objects.filter(spell__end_date__isnull=True).count()
    )
    assert set(report.features) == {f.name for f in demo.specification.inputs}
    assert DriftReport.objects.count() == 1
    assert all(entry["psi"] >= 0 for entry in report.features.values())


def test_the_demo_tree_is_close_to_the_reference(db):
    """Done-when of the prediction issue: on the demo data (as many spells as make run
    uses) the tree's AUC is within 0.03 of gradient boosting, and the card shows both."""
    demo = demo_generate(20_000)
    training_store_feed(specification_id=demo.pk)
    analyst = User.objects.get(username="analyst")
    run = registry.training_run_request(specification=demo, user=analyst, enqueue=False)
    run = registry.training_run_execute(run_id=run.pk)
    card = run.model_version.model_card
    assert card["metrics"]["auc"] > 0.65
    assert abs(card["reference"]["auc"] - card["metrics"]["auc"]) <= 0.03
    assert card["data"]["test_from"] >= card["data"]["data_from"]
    assert datetime.date.fromisoformat(card["data"]["data_to"][:10]) <= datetime.date(2026, 11, 25)


def test_the_training_store_knows_a_spell_only_by_a_keyed_pseudonym(demo, settings):
    training_store_feed(specification_id=demo.pk)
    spell_ids = {str(pk) for pk in Spell.objects.values_list("pk", flat=True)}
    stored = set(TrainingRecord.objects.values_list("record_id", flat=True))
    assert stored and not stored & spell_ids
    assert all(len(record_id) == 64 and "-" not in record_id for record_id in stored)
    # Stable for the same key: feeding again finds every record unchanged.
    again = _one(training_store_feed(specification_id=demo.pk))
    assert again.created == again.updated == 0
    assert set(TrainingRecord.objects.values_list("record_id", flat=True)) == stored
    spell_id = next(iter(spell_ids))
    assert training_record_pseudonym(spell_id) == training_record_pseudonym(spell_id)
    settings.TRAINING_RECORD_ID_KEY = "another key, another pseudonym: " + "x" * 32
    assert training_record_pseudonym(spell_id) not in stored | {spell_id}


def test_records_fed_under_the_spell_id_are_renamed_not_duplicated(demo):
    training_store_feed(specification_id=demo.pk)
    count = TrainingRecord.objects.count()
    closed = {
        training_record_pseudonym(pk): str(pk) for pk in Spell.objects.values_list("pk", flat=True)
    }
    # As an earlier version stored them: the spell's own id.
    legacy = list(TrainingRecord.objects.all())
    for record in legacy:
        record.record_id = closed[record.record_id]
    TrainingRecord.objects.bulk_update(legacy, ["record_id"])
    counts = _one(training_store_feed(specification_id=demo.pk))
    assert counts.created == 0 and TrainingRecord.objects.count() == count
    assert set(TrainingRecord.objects.values_list("record_id", flat=True)) == set(closed) & {
        r.record_id for r in TrainingRecord.objects.all()
    }
    assert not TrainingRecord.objects.filter(record_id__contains="-").exists()
