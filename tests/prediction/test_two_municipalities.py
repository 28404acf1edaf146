"""Several municipalities, one deployment (issue 14): two jobcenters, each with its own
training records, its own trained, approved and active model, its own citizens and its
own stop switch. No page, export or task of one ever carries the other's data, models
or figures, and stopping scoring in one leaves the other scoring.

Runs on the embedded SQLite by default and on PostgreSQL with ``DATABASE_URL`` set
(the training store's and re-scoring's COPY paths are the PostgreSQL ones)."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import Estimate, Outcome, Spell
from casework.scoring import open_spells_rescore, training_store_feed
from cockpit.models import SummaryRun
from cockpit.selectors import Filters, cockpit_data_for_user
from cockpit.summaries import summary_run_execute
from cockpit.tables import all_tables
from jobcenter.models import Jobcenter
from prediction import registry
from prediction.models import ModelStatus, ModelVersion, ScoringControl, TrainingRecord, TrainingRun
from prediction.selectors import (
    assessment_for_inputs,
    feature_specs_list,
    model_version_get,
    model_versions_active,
    model_versions_list,
    training_run_get,
    training_runs_recent,
)
from prediction.services import feature_spec_register
from prediction.specification import DEFAULT_SPECIFICATION_PATH
from tests.factories import (
    DEFAULT_SNAPSHOT_VALUES,
    PASSWORD,
    JobcenterFactory,
    Role,
    TeamFactory,
    default_feature_spec,
    make_citizen_with_spell,
    make_cpr,
    make_staff,
)
from tests.prediction.history import SPECS, history_load
from tests.prediction.test_registry import FAST

pytestmark = pytest.mark.django_db


class Municipality:
    """One jobcenter's people, citizens and model."""

    def __init__(self, *, name, code, dpo_contact, prefix, records, seed):
        self.jobcenter = JobcenterFactory(name=name, municipality_code=code)
        Jobcenter.objects.filter(pk=self.jobcenter.pk).update(
            dpo_contact=dpo_contact, judgement_first=False
        )
        self.jobcenter.refresh_from_db()
        self.team = TeamFactory(jobcenter=self.jobcenter, name=f"Team {prefix}")
        self.caseworker = make_staff(
            f"{prefix}_sagsbehandler", Role.CASEWORKER, jobcenter=self.jobcenter, team=self.team
        )
        self.analyst = make_staff(f"{prefix}_analytiker", Role.ANALYST, jobcenter=self.jobcenter)
        self.manager = make_staff(f"{prefix}_leder", Role.MANAGER, jobcenter=self.jobcenter)
        self.dpo = make_staff(f"{prefix}_dpo", Role.DPO, jobcenter=self.jobcenter)
        self.prefix = prefix
        self.records = records
        self.seed = seed
        self.citizens = []
        self.closed = []

    def people(self):
        return (self.caseworker, self.analyst, self.manager, self.dpo)

    def client(self, user) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client


def _citizens(town: Municipality, *, count: int, closed: int, birth_year: int):
    for i in range(count):
        citizen, spell = make_citizen_with_spell(
            team=town.team,
            caseworker=town.caseworker,
            name=f"{town.prefix.capitalize()}borger Nummer{i}",
            cpr=make_cpr(datetime.date(birth_year, 1 + i % 12, 1 + i % 28)),
        )
        if i < closed:
            Outcome.objects.create(
                spell=spell, unemployed_12m=bool(i % 2), observed_on=datetime.date(2026, 11, 1)
            )
            Spell.objects.filter(pk=spell.pk).update(end_date=datetime.date(2026, 11, 1))
            town.closed.append(spell)
        else:
            town.citizens.append(citizen)


def _train_and_activate(town: Municipality, capture):
    feature_spec = default_feature_spec()
    history_load(feature_spec, n=town.records, seed=town.seed, jobcenter=town.jobcenter)
    run = registry.training_run_request(
        specification=feature_spec, user=town.analyst, enqueue=False
    )
    run = registry.training_run_execute(run_id=run.pk, parameters=FAST)
    assert run.state == TrainingRun.State.SUCCEEDED, run.message
    version = run.model_version
    gate = version.quality_gate
    registry.model_version_approve(
        version=version,
        user=town.manager,
        note="ok",
        gate_acknowledged=not gate["passed"],
        gate_reason="" if gate["passed"] else "test",
    )
    with capture(execute=True):  # the activation's re-scoring, as a worker would run it
        version = registry.model_version_activate(version=version, user=town.manager)
    town.run = run
    town.version = ModelVersion.objects.get(pk=version.pk)
    return town.version


@pytest.fixture
def towns(db, django_capture_on_commit_callbacks):
    """Two municipalities, A (the personas' code 901) and B, with different history:
    A trains on 600 records, B on 900; each has open and closed spells."""
    a = Municipality(
        name="Jobcenter Aby",
        code="901",
        dpo_contact="dpo@aby.invalid",
        prefix="aby",
        records=600,
        seed=11,
    )
    b = Municipality(
        name="Jobcenter Bestrup",
        code="902",
        dpo_contact="dpo@bestrup.invalid",
        prefix="bestrup",
        records=900,
        seed=23,
    )
    _citizens(a, count=5, closed=2, birth_year=1971)
    _citizens(b, count=6, closed=3, birth_year=1983)
    _train_and_activate(a, django_capture_on_commit_callbacks)
    _train_and_activate(b, django_capture_on_commit_callbacks)
    return a, b


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "download.pdf"
    path.write_bytes(content)
    return subprocess.run(  # noqa: S603 - a fixed tool on a file of our own
        ["pdftotext", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _never_the_others(page: str, other: Municipality, *, where: str):
    """Nothing that identifies the other municipality's model, people or citizens."""
    version = other.version
    for text in (
        f"/models/{version.pk}/",
        f"model-{version.pk}",
        other.jobcenter.name,
        other.jobcenter.dpo_contact,
        other.team.name,
        *(user.username for user in other.people()),
        *(citizen.name for citizen in other.citizens),
    ):
        assert text not in page, f"{where} carries {text!r} of {other.jobcenter}"


# -- The models are each jobcenter's own ------------------------------------------------


def test_each_jobcenter_trains_on_its_own_records_and_has_its_own_active_version(towns):
    a, b = towns
    assert a.version.jobcenter_id == a.jobcenter.pk and b.version.jobcenter_id == b.jobcenter.pk
    assert a.version.specification_id == b.version.specification_id  # one national spec
    assert a.version.status == b.version.status == ModelStatus.ACTIVE  # both at once
    assert a.version.n_train + a.version.n_test == 600
    assert b.version.n_train + b.version.n_test == 900
    assert a.version.number == b.version.number == 1  # numbered per jobcenter
    assert a.version.training_fingerprint != b.version.training_fingerprint


def test_selectors_give_a_jobcenter_only_its_own(towns):
    a, b = towns
    for town, other in ((a, b), (b, a)):
        jobcenter_id = town.jobcenter.pk
        assert [v.pk for v in model_versions_list(jobcenter_id=jobcenter_id)] == [town.version.pk]
        assert [v.pk for v in model_versions_active(jobcenter_id=jobcenter_id)] == [town.version.pk]
        assert model_version_get(version_id=other.version.pk, jobcenter_id=jobcenter_id) is None
        assert training_run_get(run_id=other.run.pk, jobcenter_id=jobcenter_id) is None
        assert [r.pk for r in training_runs_recent(jobcenter_id=jobcenter_id)] == [town.run.pk]
    # A user without a jobcenter sees nothing.
    assert not model_versions_list(jobcenter_id=None).exists()


def test_a_jobcenters_own_specification_is_not_the_others_but_a_national_one_is_both(towns):
    a, b = towns
    own = feature_spec_register(
        source_toml=(SPECS / "small.toml").read_text("utf-8"), jobcenter_id=b.jobcenter.pk
    )
    assert own in feature_specs_list(jobcenter_id=b.jobcenter.pk)
    assert own not in feature_specs_list(jobcenter_id=a.jobcenter.pk)
    national = default_feature_spec()
    assert national.jobcenter_id is None
    assert national in feature_specs_list(jobcenter_id=a.jobcenter.pk)
    assert national in feature_specs_list(jobcenter_id=b.jobcenter.pk)
    # A's analyst can neither see B's own specification nor train on it.
    client = a.client(a.analyst)
    assert own.name not in _page(client, reverse("prediction:models"))
    assert own.name in _page(b.client(b.analyst), reverse("prediction:models"))
    response = client.post(reverse("prediction:train"), {"specification": own.pk})
    assert response.status_code == 302
    assert not TrainingRun.objects.filter(specification=own).exists()
    with pytest.raises(registry.RegistryRefused):
        registry.training_run_request(specification=own, user=a.analyst, enqueue=False)


# -- Pages ----------------------------------------------------------------------------


def test_the_registry_pages_show_each_jobcenter_only_its_own(towns):
    a, b = towns
    for town, other in ((a, b), (b, a)):
        for user in (town.analyst, town.manager, town.dpo):
            client = town.client(user)
            page = _page(client, reverse("prediction:models"))
            assert f"/models/{town.version.pk}/" in page
            assert f"/models/runs/{town.run.pk}/" in page
            assert f"/models/runs/{other.run.pk}/" not in page
            _never_the_others(page, other, where=f"{user} model list")
            for name in ("version", "rules"):
                page = _page(client, reverse(f"prediction:{name}", args=[town.version.pk]))
                _never_the_others(page, other, where=f"{user} {name}")


@pytest.mark.parametrize("role", ["analyst", "manager", "dpo"])
def test_another_jobcenters_version_and_run_are_a_404(towns, role):
    a, b = towns
    client = a.client(getattr(a, role))
    pk = b.version.pk
    for name in ("version", "rules", "calibration_chart"):
        assert client.get(reverse(f"prediction:{name}", args=[pk])).status_code == 404
    assert client.get(reverse("prediction:run", args=[b.run.pk])).status_code == 404
    for action in ("approve", "reject", "activate", "retire", "rollback"):
        response = client.post(
            reverse(f"prediction:{action}", args=[pk]),
            {"note": "x", "reason": "x", "confirm": "yes"},
        )
        assert response.status_code == 404
    b.version.refresh_from_db()
    assert b.version.status == ModelStatus.ACTIVE


def test_the_registry_refuses_acting_on_another_jobcenters_version(towns):
    a, b = towns
    with pytest.raises(registry.RegistryRefused):
        registry.model_version_retire(version=b.version, user=a.manager, reason="x")
    b.version.refresh_from_db()
    assert b.version.status == ModelStatus.ACTIVE


def test_the_caseworker_page_scores_with_the_citizens_own_jobcenters_model(towns):
    a, b = towns
    for town, other in ((a, b), (b, a)):
        client = town.client(town.caseworker)
        citizen = town.citizens[0]
        page = _page(client, reverse("casework:citizen", args=[citizen.pk]))
        assert f"/transparency/{town.jobcenter.municipality_code}/#model-{town.version.pk}" in page
        _never_the_others(page, other, where="citizen page")
        # another jobcenter's citizen is not the caseworker's to see
        foreign = other.citizens[0]
        response = client.get(reverse("casework:citizen", args=[foreign.pk]))
        assert response.status_code in (403, 404)
        assert foreign.name not in response.content.decode()


def test_the_letter_carries_only_the_citizens_own_jobcenter(towns, tmp_path):
    a, b = towns
    client = a.client(a.caseworker)
    page = _page(client, reverse("casework:letter", args=[a.citizens[0].pk]))
    _never_the_others(page, b, where="letter")
    response = client.get(reverse("casework:letter_pdf", args=[a.citizens[0].pk]))
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert a.citizens[0].name in text
    _never_the_others(text, b, where="letter PDF")


def test_the_transparency_pages_are_one_per_municipality(client, towns):
    a, b = towns
    index = _page(client, reverse("transparency"))
    for town in towns:
        assert town.jobcenter.name in index
        assert reverse("transparency_jobcenter", args=[town.jobcenter.municipality_code]) in index
    for town, other in ((a, b), (b, a)):
        page = _page(
            client, reverse("transparency_jobcenter", args=[town.jobcenter.municipality_code])
        )
        assert f'id="model-{town.version.pk}"' in page
        assert town.jobcenter.dpo_contact in page
        _never_the_others(page, other, where="transparency page")
    assert client.get(reverse("transparency_jobcenter", args=["999"])).status_code == 404


def test_the_cockpit_summarises_each_jobcenter_alone(towns, tmp_path):
    a, b = towns
    for town in towns:
        summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=town.jobcenter).pk)
    for town, other in ((a, b), (b, a)):
        run = SummaryRun.objects.get(jobcenter=town.jobcenter)
        assert run.state == SummaryRun.State.SUCCEEDED, run.message
        assert run.reports["model"]["version_id"] == town.version.pk
        data = cockpit_data_for_user(user=town.manager, filters=Filters())
        assert data.model.pk == town.version.pk
        assert [team.pk for team in data.teams] in ([], [town.team.pk])
        client = town.client(town.manager)
        page = _page(client, reverse("cockpit:index"))
        _never_the_others(page, other, where="cockpit")
        for key in all_tables(data):
            response = client.get(reverse("cockpit:table_csv", args=[key]))
            assert response.status_code == 200
            _never_the_others(response.content.decode("utf-8-sig"), other, where=f"csv {key}")
        assert data.months, "the cockpit has months of figures"
        response = client.get(
            reverse("cockpit:report_pdf"),
            {"month": data.months[-1].isoformat(), "language": "da"},
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/pdf")
        text = _pdf_text(response.content, tmp_path)
        assert town.jobcenter.name in text
        _never_the_others(text, other, where="cockpit PDF")


# -- The API ----------------------------------------------------------------------------


def test_no_api_answer_of_one_carries_the_others(towns):
    """The case system's key, the model registry, the cockpit and the DPO's log search
    through the API: each jobcenter's callers get their own, and another jobcenter's
    citizen or version is the same 404 as one that does not exist."""
    from jobcenter.service_accounts import service_account_create

    a, b = towns
    for town in towns:
        summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=town.jobcenter).pk)
    for town, other in ((a, b), (b, a)):
        key = service_account_create(jobcenter=town.jobcenter, name="fasit", days=30).key
        case_system = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
        own, foreign = town.citizens[0], other.citizens[0]
        answer = case_system.get(f"/api/v1/citizens/{own.pk}/assessment/")
        assert answer.status_code == 200, answer.content
        assert answer.json()["model_version"]["id"] == town.version.pk
        _never_the_others(answer.content.decode(), other, where="assessment API")
        note = case_system.get(f"/api/v1/citizens/{own.pk}/journal-note/")
        assert note.status_code == 200
        _never_the_others(note.content.decode(), other, where="journal note API")
        for path in (f"/api/v1/citizens/{foreign.pk}/assessment/",
                     f"/api/v1/citizens/{foreign.pk}/journal-note/",
                     f"/api/v1/spells/{foreign.spells.get().external_id}/assessment/"):
            answer = case_system.get(path)
            assert answer.status_code == 404, path
            assert foreign.name not in answer.content.decode()

        manager = town.client(town.manager)
        listed = manager.get("/api/v1/models/").json()["results"]
        assert {v["id"] for v in listed} == {town.version.pk}
        assert manager.get(f"/api/v1/models/{other.version.pk}/").status_code == 404
        cockpit = manager.get("/api/v1/cockpit/")
        assert cockpit.status_code == 200 and cockpit.json()["model"]["id"] == town.version.pk
        _never_the_others(cockpit.content.decode(), other, where="cockpit API")

        log = town.client(town.dpo).get("/api/v1/audit/events/")
        assert log.status_code == 200
        _never_the_others(log.content.decode(), other, where="audit API")


# -- Tasks ----------------------------------------------------------------------------


def test_the_feed_puts_each_closed_spell_in_its_own_jobcenters_store(towns):
    a, b = towns
    before = {
        town.prefix: TrainingRecord.objects.filter(jobcenter=town.jobcenter).count()
        for town in towns
    }
    counts = training_store_feed()
    assert counts["901:default v1"].created == len(a.closed) == 2
    assert counts["902:default v1"].created == len(b.closed) == 3
    for town in towns:
        assert TrainingRecord.objects.filter(jobcenter=town.jobcenter).count() == (
            before[town.prefix] + len(town.closed)
        )


def test_scheduled_training_is_one_run_per_jobcenter_on_its_own_data(towns):
    a, b = towns
    runs = registry.scheduled_training_request()
    assert sorted(run.jobcenter_id for run in runs) == sorted([a.jobcenter.pk, b.jobcenter.pk])
    for run in runs:
        run = registry.training_run_execute(run_id=run.pk, parameters=FAST)
        # unchanged data, each against its own last version
        assert run.state == TrainingRun.State.UNCHANGED
        assert run.model_version.jobcenter_id == run.jobcenter_id


def test_rescoring_on_activation_touches_only_that_jobcenters_spells(towns):
    a, b = towns
    for town, other in ((a, b), (b, a)):
        own_spells = {c.spells.get().pk for c in town.citizens}
        scored = set(
            Estimate.objects.filter(model_version=town.version).values_list("spell_id", flat=True)
        )
        assert scored == own_spells
        assert not Estimate.objects.filter(
            model_version=other.version, spell_id__in=own_spells
        ).exists()
    # Running A's re-scoring again writes nothing, and nothing for B.
    before = Estimate.objects.count()
    assert open_spells_rescore(model_version_id=a.version.pk) == 0
    assert Estimate.objects.count() == before


def test_stopping_scoring_in_one_leaves_the_other_scoring(towns, client):
    a, b = towns
    registry.scoring_pause_set(user=a.manager, paused=True, reason="Fejl i Abys data")
    assert ScoringControl.objects.get(jobcenter=a.jobcenter).scoring_paused
    assert not ScoringControl.objects.filter(jobcenter=b.jobcenter, scoring_paused=True).exists()
    inputs = {name: value["value"] for name, value in DEFAULT_SNAPSHOT_VALUES.items()}
    spec_id = a.version.specification_id
    assert (
        assessment_for_inputs(
            specification_id=spec_id, jobcenter_id=a.jobcenter.pk, inputs=inputs
        ).state
        == "paused"
    )
    scored = assessment_for_inputs(
        specification_id=spec_id, jobcenter_id=b.jobcenter.pk, inputs=inputs
    )
    assert scored.state == "scored" and scored.version.pk == b.version.pk
    # The pages say so for A only.
    page_a = _page(a.client(a.caseworker), reverse("casework:citizen", args=[a.citizens[0].pk]))
    page_b = _page(b.client(b.caseworker), reverse("casework:citizen", args=[b.citizens[0].pk]))
    assert f"#model-{b.version.pk}" in page_b
    assert f"#model-{a.version.pk}" not in page_a
    stopped = "midlertidigt stoppet"
    assert stopped in _page(client, reverse("transparency_jobcenter", args=["901"]))
    assert stopped not in _page(client, reverse("transparency_jobcenter", args=["902"]))
    # A's manager's switch page shows A's stop; B's shows B running.
    assert "Fejl i Abys data" in _page(a.client(a.manager), reverse("prediction:models"))
    assert "Fejl i Abys data" not in _page(b.client(b.manager), reverse("prediction:models"))
    # Re-scoring in A is held; B's goes on.
    Estimate.objects.all().delete()
    assert open_spells_rescore(model_version_id=a.version.pk) == 0
    assert open_spells_rescore(model_version_id=b.version.pk) == len(b.citizens)


def test_the_default_specification_is_national(db):
    national = feature_spec_register(source_toml=DEFAULT_SPECIFICATION_PATH.read_text("utf-8"))
    assert national.jobcenter_id is None
    assert re.fullmatch(r"default v\d+", str(national))
