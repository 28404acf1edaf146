"""The quality gate on the registry pages and the transparency page: a version no better
than a guess carries a red warning wherever it is shown, and approving it needs a ticked
acknowledgement and a written reason, audited with the approval."""

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from prediction.models import ModelStatus, ModelVersion
from prediction.registry import model_version_activate, model_version_approve
from tests.factories import default_feature_spec
from tests.prediction.test_views import make_version

GUESS_METRICS = {
    "auc": 0.54,
    "auc_interval": [0.46, 0.62],
    "accuracy": 0.55,
    "accuracy_interval": [0.48, 0.62],
    "majority_accuracy": 0.58,
    "majority_accuracy_interval": [0.51, 0.65],
}


def make_guess(feature_spec, *, trained_by) -> ModelVersion:
    """A real tree whose card says it is no better than a guess (AUC 0.54 on few cases,
    accuracy below the majority guess)."""
    version = make_version(feature_spec, trained_by=trained_by)
    card = version.model_card
    card["metrics"] |= GUESS_METRICS
    card["data"]["n_test"] = 180
    ModelVersion.objects.filter(pk=version.pk).update(
        model_card=card, metrics=version.metrics | GUESS_METRICS
    )
    return ModelVersion.objects.get(pk=version.pk)


def make_old(feature_spec, *, trained_by) -> ModelVersion:
    """A version trained before intervals existed."""
    version = make_version(feature_spec, trained_by=trained_by)
    card = version.model_card
    card["metrics"] = {k: v for k, v in card["metrics"].items() if not k.endswith("_interval")}
    for attribute in card["groups"].values():
        for numbers in attribute.values():
            for key in [k for k in numbers if k.endswith("_interval")]:
                del numbers[key]
    card.pop("uncertainty", None)
    ModelVersion.objects.filter(pk=version.pk).update(model_card=card, metrics=card["metrics"])
    return ModelVersion.objects.get(pk=version.pk)


@pytest.fixture
def feature_spec(db):
    return default_feature_spec()


@pytest.fixture
def guess(feature_spec, analyst):
    return make_guess(feature_spec, trained_by=analyst)


def test_it_shows_the_warning_and_the_likely_causes_on_the_card(login, analyst, guess):
    page = login(analyst).get(reverse("prediction:version", args=[guess.pk])).content.decode()
    assert 'id="quality-warning"' in page
    assert "ikke bedre end et gæt" in page
    assert 'id="quality-causes"' in page  # 180 test cases: too few
    assert "For få tilfælde" in page


def test_it_flags_the_version_in_the_list(login, manager, guess):
    page = login(manager).get(reverse("prediction:models")).content.decode()
    assert f'id="quality-flag-{guess.pk}"' in page
    assert "Ikke bedre end et gæt" in page


def test_a_good_version_has_no_warning_and_shows_its_intervals(
    login, manager, feature_spec, analyst
):
    version = make_version(feature_spec, trained_by=analyst)
    assert version.quality_gate["better_than_guess"], version.quality_gate
    page = login(manager).get(reverse("prediction:version", args=[version.pk])).content.decode()
    assert "ikke bedre end et gæt" not in page
    assert 'id="accuracy-interval-meaning"' in page
    assert "sande træfsikkerhed et sted mellem" in page
    assert 'id="interval-method"' in page and "1000 gentrækninger" in page
    assert "AUC pr. fold" in page


def test_an_old_version_says_interval_not_computed(login, manager, feature_spec, analyst):
    version = make_old(feature_spec, trained_by=analyst)
    response = login(manager).get(reverse("prediction:version", args=[version.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="intervals-missing"' in page
    assert "interval ikke beregnet" in page
    assert login(manager).get(reverse("prediction:models")).status_code == 200


def test_approving_a_guess_needs_the_tick_and_a_reason(login, manager, guess):
    client = login(manager)
    url = reverse("prediction:approve", args=[guess.pk])
    page = client.get(reverse("prediction:version", args=[guess.pk])).content.decode()
    assert 'name="gate_acknowledged"' in page and 'name="gate_reason"' in page
    for data in ({"note": ""}, {"gate_reason": "pilot"}, {"gate_acknowledged": "on"}):
        response = client.post(url, data)
        assert response.status_code == 400
        guess.refresh_from_db()
        assert guess.status == ModelStatus.CANDIDATE
    assert not AuditEvent.objects.filter(action=AuditAction.MODEL_APPROVE).exists()
    response = client.post(url, {"gate_acknowledged": "on", "gate_reason": "Pilot i ét team"})
    assert response.status_code == 302
    guess.refresh_from_db()
    assert guess.status == ModelStatus.APPROVED
    event = AuditEvent.objects.get(action=AuditAction.MODEL_APPROVE)
    assert event.details["gate_acknowledged"] is True
    assert event.reason == "Pilot i ét team"


def test_a_good_version_is_approved_without_the_tick(login, manager, feature_spec, analyst):
    version = make_version(feature_spec, trained_by=analyst)
    client = login(manager)
    page = client.get(reverse("prediction:version", args=[version.pk])).content.decode()
    assert 'name="gate_acknowledged"' not in page
    assert client.post(reverse("prediction:approve", args=[version.pk]), {}).status_code == 302


def test_the_transparency_page_warns_about_an_active_guess(client, guess, manager):
    model_version_approve(version=guess, user=manager, gate_acknowledged=True, gate_reason="x")
    model_version_activate(version=guess, user=manager)
    page = client.get(reverse("transparency")).content.decode()
    assert f'id="quality-warning-{guess.pk}"' in page
    assert "sande træfsikkerhed et sted mellem" in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("transparency")).content.decode()
    assert "no better than a guess" in page
    assert "true hit rate lies somewhere between" in page


def test_the_rules_page_shows_merged_conditions_and_keeps_the_steps(login, analyst, feature_spec):
    """A tiny tree where one path tests age twice: the page shows one range and, for the
    data team, both steps with their effects."""
    import datetime

    import numpy as np
    from django.utils import timezone

    from prediction.artifacts import artifact_dump, software_versions
    from prediction.frames import frame_from_records
    from prediction.training import TrainingParameters, model_fit
    from tests.prediction.test_views import synthetic_records

    records = []
    rng = np.random.default_rng(9)
    for record_id, as_of, inputs, protected, _ in synthetic_records(n=1200, seed=9):
        age = inputs["age"]
        records.append(
            (
                record_id,
                as_of,
                inputs,
                protected,
                bool(rng.random() < (0.8 if 30 < age <= 45 else 0.1)),
            )
        )
    specification = feature_spec.specification
    frame = frame_from_records(specification=specification, records=records)
    parameters = TrainingParameters(
        leaf_floor=20, max_depths=(2,), leaf_multipliers=(1,), cv_folds=2
    )
    result = model_fit(specification=specification, frame=frame, parameters=parameters)
    artifact, sha256 = artifact_dump(result.pipeline)
    versions = software_versions()
    version = ModelVersion.objects.create(
        jobcenter=analyst.jobcenter,
        specification=feature_spec,
        number=1,
        parameters=parameters.to_dict(),
        n_train=result.split["n_train"],
        n_test=result.split["n_test"],
        base_rate=result.base_rate,
        metrics=result.metrics,
        model_card={},
        artifact=artifact,
        artifact_sha256=sha256,
        sklearn_version=versions["sklearn"],
        numpy_version=versions["numpy"],
        training_fingerprint="0" * 64,
        trained_by=analyst,
        trained_at=timezone.now(),
        data_from=datetime.date(2020, 1, 1),
    )
    page = login(analyst).get(reverse("prediction:rules", args=[version.pk])).content.decode()
    assert "Alder er 31–45 år" in page
    assert "Trin for trin" in page
    assert "30,5" not in page
