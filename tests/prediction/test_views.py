"""The model registry pages: who sees them, what they show, and that every action goes
through the registry's services (four eyes, the stop switch) and is audited."""

import datetime
import functools
import math
import re

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.actions import AuditAction
from audit.models import AuditEvent
from prediction.artifacts import artifact_dump, software_versions
from prediction.frames import frame_from_records
from prediction.model_card import model_card_build
from prediction.models import ModelStatus, ModelVersion, ScoringControl, TrainingRun
from prediction.registry import model_version_activate, model_version_approve
from prediction.specification import default_specification
from prediction.training import TrainingParameters, model_fit
from tests.factories import Role, default_feature_spec, default_jobcenter, make_staff

PARAMETERS = TrainingParameters(leaf_floor=20, max_depths=(2, 3), leaf_multipliers=(1,), cv_folds=2)
START = datetime.date(2020, 1, 1)

# -- A tiny real model, fitted once per test session -------------------------------------


def synthetic_records(n: int = 1200, seed: int = 3):
    """Spells for the default specification whose outcome depends on benefit type,
    employment history and age; protected attributes drawn independently."""
    rng = np.random.default_rng(seed)
    benefits = ["dagpenge", "kontanthjaelp_jobparat", "kontanthjaelp_aktivitetsparat"]
    effect = {"dagpenge": -1.2, "kontanthjaelp_jobparat": 0.0, "kontanthjaelp_aktivitetsparat": 1.3}
    education = ["primary", "upper_secondary", "vocational", "bachelor"]
    for i in range(n):
        benefit = benefits[int(rng.integers(3))]
        months = float(rng.integers(0, 37))
        age = float(rng.integers(18, 68))
        logit = effect[benefit] - 0.06 * (months - 18) + 0.02 * (age - 40)
        inputs = {
            "age": age,
            "education": education[int(rng.integers(4))],
            "months_employed_3y": months,
            "spells_5y": float(rng.integers(0, 6)),
            "previous_industry": "retail",
            "benefit_type": benefit,
            "cv_complete": bool(rng.random() < 0.7),
            "job_search_activity": float(rng.integers(0, 30)),
            "availability": "full_time",
            "driving_licence": bool(rng.random() < 0.7),
        }
        protected = {
            "gender": ["female", "male"][int(rng.integers(2))],
            "origin": ["danish", "non_western"][int(rng.random() < 0.2)],
            "postal_code": "7400",
        }
        yield (
            f"S{i:05d}",
            START + datetime.timedelta(days=i),
            inputs,
            protected,
            bool(rng.random() < 1 / (1 + math.exp(-logit))),
        )


@functools.cache
def fitted():
    """``(result, artifact, sha256)`` of a tree fitted on synthetic spells (seconds)."""
    specification = default_specification()
    frame = frame_from_records(specification=specification, records=synthetic_records())
    result = model_fit(specification=specification, frame=frame, parameters=PARAMETERS)
    artifact, sha256 = artifact_dump(result.pipeline)
    return result, artifact, sha256


def make_version(feature_spec, *, trained_by=None, number=None, jobcenter=None) -> ModelVersion:
    """A candidate version of a real (tiny) tree, as training would save it, of
    ``jobcenter`` (default: the trainer's, else the personas' jobcenter)."""
    result, artifact, sha256 = fitted()
    if jobcenter is None:
        jobcenter = trained_by.jobcenter if trained_by else default_jobcenter()
    if number is None:
        number = (
            ModelVersion.objects.filter(specification=feature_spec, jobcenter=jobcenter).count() + 1
        )
    trained_at = timezone.now()
    versions = software_versions()
    return ModelVersion.objects.create(
        jobcenter=jobcenter,
        specification=feature_spec,
        number=number,
        parameters=PARAMETERS.to_dict() | {"chosen": result.chosen},
        data_from=datetime.date.fromisoformat(result.split["data_from"]),
        data_to=datetime.date.fromisoformat(result.split["data_to"]),
        n_train=result.split["n_train"],
        n_test=result.split["n_test"],
        base_rate=result.base_rate,
        metrics=result.metrics,
        model_card=model_card_build(
            specification=feature_spec.specification,
            result=result,
            trained_by=trained_by.get_username() if trained_by else "system (schedule)",
            trained_at=trained_at,
            version_number=number,
        ),
        artifact=artifact,
        artifact_sha256=sha256,
        sklearn_version=versions["sklearn"],
        numpy_version=versions["numpy"],
        training_fingerprint="0" * 64,
        trained_by=trained_by,
        trained_at=trained_at,
    )


def make_active(feature_spec, *, trained_by, reviewer) -> ModelVersion:
    version = make_version(feature_spec, trained_by=trained_by)
    model_version_approve(version=version, user=reviewer, note="ok")
    return model_version_activate(version=version, user=reviewer)


# -- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def feature_spec(db):
    return default_feature_spec()


@pytest.fixture
def administrator(jobcenter):
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


@pytest.fixture
def version(feature_spec, analyst):
    return make_version(feature_spec, trained_by=analyst)


@pytest.fixture
def run(feature_spec, analyst):
    return TrainingRun.objects.create(
        jobcenter=analyst.jobcenter,
        specification=feature_spec,
        requested_by=analyst,
        trigger=TrainingRun.Trigger.BUTTON,
    )


def _pages(version, run):
    return {
        "list": reverse("prediction:models"),
        "card": reverse("prediction:version", args=[version.pk]),
        "rules": reverse("prediction:rules", args=[version.pk]),
        "run": reverse("prediction:run", args=[run.pk]),
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- Who sees the pages ----------------------------------------------------------------

PAGES = ["list", "card", "rules", "run"]


@pytest.mark.parametrize("page", PAGES)
def test_it_redirects_anonymous_visitors_to_login(client, version, run, page):
    response = client.get(_pages(version, run)[page])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["caseworker", "other_caseworker", "foreign_caseworker"])
def test_caseworkers_get_a_404_not_a_403(request, login, version, run, page, persona):
    response = login(request.getfixturevalue(persona)).get(_pages(version, run)[page])
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["analyst", "manager", "dpo", "administrator"])
def test_analysts_managers_dpo_and_administrators_see_the_pages(
    request, login, version, run, page, persona
):
    response = login(request.getfixturevalue(persona)).get(_pages(version, run)[page])
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["approve", "reject", "activate", "retire", "rollback"])
def test_caseworkers_cannot_post_actions_either(login, caseworker, version, name):
    response = login(caseworker).post(
        reverse(f"prediction:{name}", args=[version.pk]), {"note": "x", "reason": "x"}
    )
    assert response.status_code == 404
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE


def test_caseworkers_cannot_train_or_pull_the_switches(login, caseworker, feature_spec):
    client = login(caseworker)
    assert (
        client.post(reverse("prediction:train"), {"specification": feature_spec.pk}).status_code
        == 404
    )
    assert (
        client.post(reverse("prediction:scoring_pause"), {"paused": "1", "reason": "x"}).status_code
        == 404
    )
    assert client.post(reverse("prediction:auto_promote"), {"enabled": "1"}).status_code == 404
    assert not TrainingRun.objects.exists()
    assert not ScoringControl.objects.filter(scoring_paused=True).exists()


def test_an_unknown_version_or_run_is_a_404(login, manager, db):
    client = login(manager)
    assert client.get(reverse("prediction:version", args=[999999])).status_code == 404
    assert client.get(reverse("prediction:rules", args=[999999])).status_code == 404
    url = reverse("prediction:run", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("caseworker", False),
        ("other_caseworker", False),
        ("analyst", True),
        ("manager", True),
        ("dpo", True),
        ("administrator", True),
    ],
)
def test_the_menu_links_to_the_models_only_for_roles_that_see_them(request, login, persona, shown):
    page = login(request.getfixturevalue(persona)).get("/transparency/").content.decode()
    assert (f'href="{reverse("prediction:models")}"' in page) is shown


# -- The list ------------------------------------------------------------------------------


def test_the_list_shows_versions_with_status_auc_and_reference_auc(login, manager, version, run):
    page = login(manager).get(reverse("prediction:models")).content.decode()
    metrics, reference = version.metrics, version.model_card["reference"]
    assert "Version 1" in page
    assert "Kandidat" in page
    assert "Anders" in page  # trained by (staff page)
    assert f"{metrics['auc']:.3f}".replace(".", ",") in page
    assert f"{reference['auc']:.3f}".replace(".", ",") in page
    assert reverse("prediction:run", args=[run.pk]) in page


def test_only_analysts_and_administrators_get_the_train_button(
    login, analyst, administrator, manager, feature_spec
):
    assert "Træn en ny model" in login(analyst).get(reverse("prediction:models")).content.decode()
    page = login(administrator).get(reverse("prediction:models")).content.decode()
    assert "Træn en ny model" in page
    assert (
        "Træn en ny model" not in login(manager).get(reverse("prediction:models")).content.decode()
    )


def test_only_managers_and_the_dpo_get_the_switches(login, analyst, dpo, feature_spec):
    assert (
        "Stop al beregning af estimater"
        not in login(analyst).get(reverse("prediction:models")).content.decode()
    )
    page = login(dpo).get(reverse("prediction:models")).content.decode()
    assert "Stop al beregning af estimater" in page
    assert "Slå automatisk aktivering til" in page


def test_an_analyst_starts_a_training_run_and_lands_on_its_page(
    login, analyst, feature_spec, django_capture_on_commit_callbacks, monkeypatch
):
    started = []
    monkeypatch.setattr(
        "prediction.tasks.model_retrain_task.apply_async",
        lambda kwargs=None, **options: started.append(kwargs),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(analyst).post(
            reverse("prediction:train"), {"specification": feature_spec.pk}
        )
    run = TrainingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prediction:run", args=[run.pk])
    assert run.requested_by == analyst and run.trigger == TrainingRun.Trigger.BUTTON
    assert started == [{"run_id": str(run.pk)}]


def test_a_manager_cannot_train_and_is_told_why(login, manager, feature_spec):
    response = login(manager).post(
        reverse("prediction:train"), {"specification": feature_spec.pk}, follow=True
    )
    assert response.status_code == 403
    assert not TrainingRun.objects.exists()
    assert any("train a model" in message for message in _messages(response))


# -- The stop switch and auto-promotion -------------------------------------------------


def test_stopping_all_scoring_needs_a_reason(login, manager, feature_spec):
    response = login(manager).post(
        reverse("prediction:scoring_pause"), {"paused": "1", "reason": " "}
    )
    assert response.status_code == 400
    assert "Skriv en begrundelse" in response.content.decode()
    assert not ScoringControl.objects.filter(scoring_paused=True).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SCORING_STOP).exists()


def test_a_manager_stops_and_resumes_scoring_and_both_are_audited(login, manager, feature_spec):
    client = login(manager)
    response = client.post(
        reverse("prediction:scoring_pause"),
        {"paused": "1", "reason": "Mistænkelige skøn i Team B"},
        follow=True,
    )
    control = ScoringControl.objects.get()
    assert control.scoring_paused and control.pause_reason == "Mistænkelige skøn i Team B"
    assert "Al beregning af estimater er stoppet" in response.content.decode()
    assert "Genoptag beregning af estimater" in response.content.decode()
    client.post(reverse("prediction:scoring_pause"), {"paused": "0", "reason": ""})
    control.refresh_from_db()
    assert not control.scoring_paused
    events = AuditEvent.objects.filter(
        action__in=[AuditAction.SCORING_STOP, AuditAction.SCORING_RESUME]
    ).order_by("sequence")
    stop, resume = AuditAction.SCORING_STOP, AuditAction.SCORING_RESUME
    assert [event.action for event in events] == [stop, resume]
    assert [event.details["paused"] for event in events] == [True, False]
    assert events[0].reason == "Mistænkelige skøn i Team B" and events[0].user == manager


def test_an_analyst_cannot_stop_scoring_and_keeps_what_they_wrote(login, analyst, feature_spec):
    response = login(analyst).post(
        reverse("prediction:scoring_pause"), {"paused": "1", "reason": "Min begrundelse"}
    )
    assert response.status_code == 403
    assert any("stop or resume scoring" in message for message in _messages(response))
    assert "Min begrundelse" in response.content.decode()
    assert not ScoringControl.objects.filter(scoring_paused=True).exists()


def test_the_dpo_toggles_auto_promotion(login, dpo, feature_spec):
    client = login(dpo)
    client.post(reverse("prediction:auto_promote"), {"enabled": "1"})
    assert ScoringControl.objects.get().auto_promote
    response = client.post(reverse("prediction:auto_promote"), {"enabled": "0"}, follow=True)
    assert not ScoringControl.objects.get().auto_promote
    assert "Automatisk aktivering er slået fra." in _messages(response)


# -- The model card ------------------------------------------------------------------------


def test_the_model_card_shows_what_a_reviewer_needs(login, dpo, version):
    client = login(dpo)
    response = client.get(reverse("prediction:version", args=[version.pk]))
    page = response.content.decode()
    card = version.model_card
    assert escape(card["intended_use"]["da"]) in page and escape(card["not_for"]["da"]) in page
    # accuracy next to the trivial guess, the reference model's AUC
    accuracy = f"{card['metrics']['accuracy'] * 100:.1f}".replace(".", ",")
    majority = f"{card['metrics']['majority_accuracy'] * 100:.1f}".replace(".", ",")
    assert f"{accuracy} %" in page and f"{majority} %" in page
    assert f"{card['reference']['auc']:.3f}".replace(".", ",") in page
    assert "HistGradientBoostingClassifier" in page
    # calibration: a chart drawn by the project's charting library, with its finding as
    # the text alternative, and a table with one row per bin
    chart_url = reverse("prediction:calibration_chart", args=[version.pk])
    assert f'<img src="{chart_url}"' in page
    assert re.search(r'alt="På testsagerne afviger skøn og faktisk andel[^"]+procentpoint\."', page)
    chart = client.get(chart_url)
    assert chart["Content-Type"].startswith("image/svg+xml")
    svg = chart.content.decode()
    assert svg.count("<circle") == len(card["calibration"])
    assert "<script" not in svg
    for coordinate in re.findall(r'c[xy]="([^"]+)"', svg):
        float(coordinate)  # never a Danish decimal comma inside SVG
    assert "Skøn og faktisk andel pr. interval" in page
    # groups per protected attribute, with value labels and the largest difference
    for caption in ("<caption>Køn</caption>", "<caption>Herkomst</caption>"):
        assert caption in page
    assert "Kvinde" in page and "Største forskel" in page
    # inputs, tree and software
    assert "Højeste fuldførte uddannelse" in page
    assert card["software"]["sklearn"] in page
    assert f"<dd>{card['tree']['depth']}" in page
    assert 'scope="col"' in page and 'scope="row"' in page


def test_the_model_card_is_in_english_when_asked(client, login, dpo, version):
    client.cookies["django_language"] = "en"
    page = login(dpo).get(reverse("prediction:version", args=[version.pk])).content.decode()
    assert escape(version.model_card["intended_use"]["en"]) in page
    assert "Highest completed education" in page
    assert "Woman" in page


def test_only_reviewers_see_the_action_buttons(login, analyst, manager, version):
    url = reverse("prediction:version", args=[version.pk])
    analyst_page = login(analyst).get(url).content.decode()
    assert reverse("prediction:approve", args=[version.pk]) not in analyst_page
    manager_page = login(manager).get(url).content.decode()
    assert reverse("prediction:approve", args=[version.pk]) in manager_page
    assert reverse("prediction:reject", args=[version.pk]) in manager_page
    assert reverse("prediction:activate", args=[version.pk]) not in manager_page  # not yet
    assert 'name="csrfmiddlewaretoken"' in manager_page


# -- Approval, four eyes -------------------------------------------------------------------


def test_a_manager_approves_and_it_is_audited(login, manager, version):
    response = login(manager).post(
        reverse("prediction:approve", args=[version.pk]), {"note": "Ser fornuftig ud"}, follow=True
    )
    version.refresh_from_db()
    assert version.status == ModelStatus.APPROVED
    assert version.reviewed_by == manager and version.review_note == "Ser fornuftig ud"
    assert response.redirect_chain[-1][0] == reverse("prediction:version", args=[version.pk])
    assert "Version 1 er godkendt." in _messages(response)
    event = AuditEvent.objects.get(action=AuditAction.MODEL_APPROVE)
    assert event.user == manager and event.model_version_id == version.pk
    assert event.reason == "Ser fornuftig ud"


def test_an_analyst_cannot_approve(login, analyst, version):
    response = login(analyst).post(
        reverse("prediction:approve", args=[version.pk]), {"note": "egen model"}
    )
    assert response.status_code == 403
    assert any("approve a model" in message for message in _messages(response))
    assert "egen model" in response.content.decode()  # what they wrote is not lost
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    assert not AuditEvent.objects.filter(action=AuditAction.MODEL_APPROVE).exists()


def test_a_manager_cannot_approve_a_version_they_trained(login, manager, dpo, feature_spec):
    version = make_version(feature_spec, trained_by=manager)
    client = login(manager)
    url = reverse("prediction:version", args=[version.pk])
    page = client.get(url).content.decode()
    assert "Du har selv trænet denne version" in page
    assert reverse("prediction:approve", args=[version.pk]) not in page
    # pressing it anyway: refused by the service, shown, and the note is kept
    response = client.post(
        reverse("prediction:approve", args=[version.pk]), {"note": "Min egen note"}
    )
    assert response.status_code == 403
    assert any("someone else must approve" in message for message in _messages(response))
    assert "Min egen note" in response.content.decode()
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    # someone else may
    login(dpo).post(reverse("prediction:approve", args=[version.pk]), {"note": ""})
    version.refresh_from_db()
    assert version.status == ModelStatus.APPROVED and version.reviewed_by == dpo


def test_a_rejection_needs_a_reason(login, manager, version):
    client = login(manager)
    response = client.post(reverse("prediction:reject", args=[version.pk]), {"note": ""})
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE
    client.post(reverse("prediction:reject", args=[version.pk]), {"note": "For lav AUC"})
    version.refresh_from_db()
    assert version.status == ModelStatus.REJECTED
    assert AuditEvent.objects.get(action=AuditAction.MODEL_REJECT).reason == "For lav AUC"


def test_a_candidate_cannot_be_activated_before_approval(login, manager, version):
    response = login(manager).post(reverse("prediction:activate", args=[version.pk]))
    assert response.status_code == 403
    assert any("Only an approved" in message for message in _messages(response))
    version.refresh_from_db()
    assert version.status == ModelStatus.CANDIDATE


# -- Activation, retirement, rollback ------------------------------------------------------


def test_activating_a_version_retires_the_active_one(login, analyst, manager, feature_spec):
    first = make_active(feature_spec, trained_by=analyst, reviewer=manager)
    second = make_version(feature_spec, trained_by=analyst)
    client = login(manager)
    client.post(reverse("prediction:approve", args=[second.pk]), {"note": ""})
    url = reverse("prediction:activate", args=[second.pk])
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "Version 2 er nu aktiv og bruges til nye estimater." in _messages(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ModelStatus.ACTIVE and first.status == ModelStatus.RETIRED
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.MODEL_ACTIVATE, model_version_id=second.pk, user=manager
    ).exists()


def test_rolling_back_puts_the_previous_version_back(login, analyst, manager, dpo, feature_spec):
    first = make_active(feature_spec, trained_by=analyst, reviewer=manager)
    second = make_active(feature_spec, trained_by=analyst, reviewer=manager)
    page = login(dpo).get(reverse("prediction:version", args=[second.pk])).content.decode()
    assert reverse("prediction:rollback", args=[second.pk]) in page
    response = login(dpo).post(
        reverse("prediction:rollback", args=[second.pk]), {"reason": "Fejl i v2"}, follow=True
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ModelStatus.ACTIVE and second.status == ModelStatus.RETIRED
    assert response.redirect_chain[-1][0] == reverse("prediction:version", args=[first.pk])
    assert any("version 1 er aktiv igen" in message for message in _messages(response))
    event = AuditEvent.objects.get(action=AuditAction.MODEL_ROLLBACK)
    assert event.reason == "Fejl i v2" and event.user == dpo


def test_only_the_active_version_can_be_rolled_back(login, analyst, manager, feature_spec):
    make_active(feature_spec, trained_by=analyst, reviewer=manager)
    candidate = make_version(feature_spec, trained_by=analyst)
    response = login(manager).post(
        reverse("prediction:rollback", args=[candidate.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.MODEL_ROLLBACK).exists()


def test_retiring_the_active_version(login, analyst, manager, feature_spec):
    active = make_active(feature_spec, trained_by=analyst, reviewer=manager)
    response = login(manager).post(
        reverse("prediction:retire", args=[active.pk]), {"reason": "Udskiftes"}, follow=True
    )
    active.refresh_from_db()
    assert active.status == ModelStatus.RETIRED
    assert "Version 1 er udfaset." in _messages(response)
    assert not ModelVersion.objects.filter(status=ModelStatus.ACTIVE).exists()


# -- The rules -----------------------------------------------------------------------------


def test_the_rules_page_lists_every_leaf_highest_risk_first(login, analyst, version):
    page = login(analyst).get(reverse("prediction:rules", args=[version.pk])).content.decode()
    leaves = version.model_card["tree"]["leaves"]
    assert page.count('<li class="rule') == leaves
    shown = [float(value.replace(",", ".")) for value in re.findall(r"Skøn (\d+,\d) %", page)]
    assert len(shown) == leaves and shown == sorted(shown, reverse=True)
    assert "Bygger på" in page
    assert re.search(r"<li>(Ydelse|Alder|Måneder i beskæftigelse)", page)


def test_the_rules_are_in_english_when_asked(client, login, analyst, version):
    client.cookies["django_language"] = "en"
    page = login(analyst).get(reverse("prediction:rules", args=[version.pk])).content.decode()
    assert re.search(r"<li>(Benefit type|Age|Months in employment)", page)
    assert "Ydelse er" not in page


def test_a_tampered_artefact_shows_no_rules_and_says_why(login, analyst, version):
    ModelVersion.objects.filter(pk=version.pk).update(artifact_sha256="f" * 64)
    response = login(analyst).get(reverse("prediction:rules", args=[version.pk]))
    assert response.status_code == 200
    assert '<li class="rule' not in response.content.decode()
    assert any("kunne ikke indlæses" in message for message in _messages(response))


# -- A training run ------------------------------------------------------------------------


def test_a_queued_or_running_run_refreshes_itself(login, analyst, run):
    client = login(analyst)
    url = reverse("prediction:run", args=[run.pk])
    page = client.get(url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "I kø" in page
    TrainingRun.objects.filter(pk=run.pk).update(
        state=TrainingRun.State.RUNNING, progress=40, message="cross-validation"
    )
    response = client.get(url)
    page = response.content.decode()
    assert '<progress id="run-progress" max="100" value="40">' in page
    assert "cross-validation" in page and '<meta http-equiv="refresh"' in page
    assert "no-cache" in response["Cache-Control"]


def test_a_finished_run_stops_refreshing_and_links_the_version(login, analyst, run, version):
    TrainingRun.objects.filter(pk=run.pk).update(
        state=TrainingRun.State.SUCCEEDED, progress=100, model_version=version, message="done"
    )
    page = login(analyst).get(reverse("prediction:run", args=[run.pk])).content.decode()
    assert '<meta http-equiv="refresh"' not in page
    assert reverse("prediction:version", args=[version.pk]) in page
    assert f"Version {version.number} er trænet." in page
    assert "i kø" not in page.lower() and "<progress" not in page


def test_a_failed_run_shows_its_message(login, analyst, run):
    TrainingRun.objects.filter(pk=run.pk).update(
        state=TrainingRun.State.FAILED, message="too few records to train"
    )
    page = login(analyst).get(reverse("prediction:run", args=[run.pk])).content.decode()
    assert "Fejlet" in page and "too few records to train" in page
    assert '<meta http-equiv="refresh"' not in page


# -- Nothing personal ----------------------------------------------------------------------


def test_no_page_shows_a_citizens_cpr_number(login, manager, citizen, version, run):
    client = login(manager)
    for url in _pages(version, run).values():
        page = client.get(url).content.decode()
        assert "1704921234" not in page and "170492-1234" not in page and "170492" not in page


def test_a_run_that_finished_at_once_is_not_announced_as_queued(
    login, analyst, feature_spec, monkeypatch
):
    """Without a broker the run is done before the page shows: no "i kø" message."""
    from prediction import registry

    def run_now(kwargs=None, **options):
        TrainingRun.objects.filter(pk=kwargs["run_id"]).update(
            state=TrainingRun.State.FAILED, message="too few records to train"
        )

    monkeypatch.setattr("prediction.tasks.model_retrain_task.apply_async", run_now)
    # as in production: the request's transaction commits, and the task runs eagerly
    monkeypatch.setattr(registry.transaction, "on_commit", lambda callback: callback())
    response = login(analyst).post(
        reverse("prediction:train"), {"specification": feature_spec.pk}, follow=True
    )
    page = response.content.decode()
    assert "Træningen mislykkedes." in page
    assert "i kø eller i gang" not in page


# -- Approval beside the active version, activation confirmed (issue 13) ------------------


def test_a_candidate_is_shown_beside_the_active_version_with_every_difference(
    login, analyst, manager, feature_spec
):
    make_active(feature_spec, trained_by=analyst, reviewer=manager)
    candidate = make_version(feature_spec, trained_by=analyst)
    card = candidate.model_card
    card["metrics"]["auc"] += 0.0123
    ModelVersion.objects.filter(pk=candidate.pk).update(
        metrics=candidate.metrics | {"auc": candidate.metrics["auc"] + 0.0123}, model_card=card
    )
    page = login(manager).get(reverse("prediction:version", args=[candidate.pk])).content.decode()
    table = re.search(r'<table class="comparison" id="comparison">(.*?)</table>', page, re.S)
    assert table, "no comparison with the active version"
    table = table.group(1)
    assert "Aktiv: version 1" in table and "Version 2" in table
    for label in (
        "AUC (evne til at rangordne)",
        "Brier-score",
        "Falsk negativ-rate (FNR)",
        "Testsager",
        "Største forskel mellem grupper",
    ):
        assert label in table, label
    assert "+0,012" in table and "(bedre)" in table


def test_activation_asks_for_confirmation_first(login, analyst, manager, feature_spec):
    first = make_active(feature_spec, trained_by=analyst, reviewer=manager)
    second = make_version(feature_spec, trained_by=analyst)
    client = login(manager)
    client.post(reverse("prediction:approve", args=[second.pk]), {"note": ""})
    url = reverse("prediction:activate", args=[second.pk])
    response = client.post(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aktivér version 2?" in page
    assert "afløser den aktive version 1" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert '<table class="comparison" id="comparison">' in page
    assert "<script" not in page
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == ModelStatus.APPROVED and first.status == ModelStatus.ACTIVE
    assert (
        not AuditEvent.objects.filter(action=AuditAction.MODEL_ACTIVATE)
        .exclude(model_version_id=first.pk)
        .exists()
    )
    client.post(url, {"confirm": "yes"})
    second.refresh_from_db()
    assert second.status == ModelStatus.ACTIVE
