"""A version no better than a guess carries a red warning on the citizen page and in
the letter; a good one shows its hit rate's interval in plain words."""

import pytest

from prediction.registry import model_version_activate, model_version_approve
from tests.casework.conftest import citizen_url
from tests.prediction.test_quality_views import make_guess


@pytest.fixture
def guess_active(citizen, analyst, manager, judgement_first_off):
    specification = citizen.spells.get().snapshots.get().specification
    version = make_guess(specification, trained_by=analyst)
    model_version_approve(version=version, user=manager, gate_acknowledged=True, gate_reason="test")
    return model_version_activate(version=version, user=manager)


def test_the_citizen_page_and_the_letter_warn(login, caseworker, citizen, guess_active):
    client = login(caseworker)
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="quality-warning"' in page
    assert "ikke bedre end et gæt" in page
    assert 'id="estimate-probability"' in page  # shown, but never as if it were sound
    letter = client.get(citizen_url(citizen, "letter")).content.decode()
    assert 'id="letter-quality-warning"' in letter
    letter_en = client.get(citizen_url(citizen, "letter"), {"language": "en"}).content.decode()
    assert "no better than a guess" in letter_en


def test_a_good_version_shows_the_interval_in_words(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="quality-warning"' not in page
    assert 'id="model-quality-interval"' in page
    assert "sande træfsikkerhed et sted mellem" in page
    letter = client.get(citizen_url(citizen, "letter")).content.decode()
    assert 'id="letter-quality-warning"' not in letter
    assert "sande træfsikkerhed et sted mellem" in letter
