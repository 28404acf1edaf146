"""The public transparency page: no login, Danish and English, what public algorithm
registers publish for every active model, and nothing about staff or citizens."""

import pytest
from django.urls import reverse

from prediction.models import ScoringControl
from tests.factories import Role, default_feature_spec, default_jobcenter, make_staff
from tests.prediction.test_views import make_active, make_version

URL = "/transparency/"


@pytest.fixture
def trainer(jobcenter):
    return make_staff("trainer_qx7", Role.ANALYST, jobcenter=jobcenter)


@pytest.fixture
def reviewer(jobcenter):
    return make_staff("reviewer_zk9", Role.MANAGER, jobcenter=jobcenter)


@pytest.fixture
def active(jobcenter, trainer, reviewer):
    return make_active(default_feature_spec(), trained_by=trainer, reviewer=reviewer)


def _auc(version, language="da") -> str:
    text = f"{version.metrics['auc']:.2f}"
    return text.replace(".", ",") if language == "da" else text


def test_it_is_the_named_public_route(db):
    assert reverse("transparency") == URL


def test_it_is_public(client, active):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Log ud" not in response.content.decode()


def test_it_says_so_when_no_model_is_in_use(client, jobcenter, trainer):
    make_version(default_feature_spec(), trained_by=trainer)  # a candidate is not in use
    page = client.get(URL).content.decode()
    assert "Ingen model er i brug lige nu" in page
    assert "Model „default“" not in page
    assert "dpo@example.invalid" in page


def test_in_danish_it_shows_purpose_inputs_quality_oversight_and_contact(client, active):
    page = client.get(URL).content.decode()
    assert '<html lang="da">' in page
    assert "Risiko for ledighed 12 måneder efter 2. samtale" in page
    assert "Formål" in page and "Hvad modellen ikke er til" in page
    for label in ("Alder", "Højeste fuldførte uddannelse", "Har kørekort"):
        assert f"<li>{label}</li>" in page
    # protected attributes: named, and said to be used only to measure fairness
    assert "indgår ikke i beregningen" in page and "Køn, Herkomst, Postnummer" in page
    # quality next to a trivial guess
    assert _auc(active) in page
    majority = f"{active.metrics['majority_accuracy'] * 100:.1f}".replace(".", ",")
    assert f"{majority} %" in page
    # oversight and contact
    assert "Sagsbehandleren træffer alle beslutninger" in page
    assert "indsigelse" in page and "stoppe al brug af modellen" in page
    assert "Jobcenter Testby" in page and "mailto:dpo@example.invalid" in page
    assert "Senest trænet" in page and "Godkendt" in page


def test_in_english_by_cookie(client, active):
    client.cookies["django_language"] = "en"
    page = client.get(URL).content.decode()
    assert '<html lang="en">' in page
    assert "Risk of unemployment 12 months after the 2nd meeting" in page
    for label in ("Age", "Highest completed education", "Has a driving licence"):
        assert f"<li>{label}</li>" in page
    assert _auc(active, "en") in page
    assert "The caseworker makes every decision" in page
    assert "Contact" in page and "dpo@example.invalid" in page
    assert "Alder" not in page


def test_in_english_by_accept_language(client, active):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "<li>Highest completed education</li>" in page


@pytest.mark.parametrize("language", ["da", "en"])
def test_it_never_names_staff(client, active, language, reviewer):
    ScoringControl.objects.update_or_create(
        jobcenter=default_jobcenter(),
        defaults={"scoring_paused": True, "pause_reason": "Spurgt af reviewer_zk9"},
    )
    client.cookies["django_language"] = language
    page = client.get(URL).content.decode().lower()
    for name in ("trainer_qx7", "reviewer_zk9"):
        assert name not in page
    assert active.model_card["trained_by"] == "trainer_qx7"  # it is in the card, not here


def test_a_paused_switch_is_announced_without_the_internal_reason(client, active):
    ScoringControl.objects.update_or_create(
        jobcenter=default_jobcenter(),
        defaults={"scoring_paused": True, "pause_reason": "Intern sag 42"},
    )
    page = client.get(URL).content.decode()
    assert "midlertidigt stoppet" in page
    assert "Intern sag 42" not in page


def test_it_never_shows_a_citizens_cpr_number(client, active, citizen):
    page = client.get(URL).content.decode()
    assert "1704921234" not in page and "170492" not in page
    assert "Karen Jensen" not in page


def test_logged_in_staff_see_the_same_page(login, caseworker, active):
    response = login(caseworker).get(URL)
    assert response.status_code == 200
    assert "<li>Alder</li>" in response.content.decode()
