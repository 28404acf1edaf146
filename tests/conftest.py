"""Shared personas (after healthchecks' alice/bob/charlie) used by every test:

- ``caseworker``: Alice, team A, holds the citizen's spell;
- ``colleague``: Bob, team A, same team;
- ``other_caseworker``: Charlie, team B of the same jobcenter;
- ``manager``, ``dpo``, ``analyst``: the same jobcenter, no team;
- ``foreign_caseworker``: a caseworker in another municipality.

In CI (``REQUIRE_SERVICES=1``) a skipped integration or browser test is a failure: a
green run must never hide that PostgreSQL, Redis, the worker or Chromium were missing.
"""

import os

import pytest

from tests.factories import (
    PASSWORD,
    JobcenterFactory,
    Role,
    TeamFactory,
    default_jobcenter,
    make_citizen_with_spell,
    make_staff,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    pdf_reason = None
    if not REQUIRE_SERVICES:  # in CI the PDF tests must run (.ci/run installs Pango)
        from jobcenter.pdf import pdf_unavailable_reason

        pdf_reason = pdf_unavailable_reason()
    for item in items:
        if pdf_reason and ("pdf" in item.nodeid.lower() or item.get_closest_marker("pdf")):
            item.add_marker(pytest.mark.skip(reason=f"no PDFs on this machine: {pdf_reason}"))
        path = str(item.path)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        if f"{os.sep}browser{os.sep}" in path:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        REQUIRE_SERVICES
        and report.skipped
        and (item.get_closest_marker("integration") or item.get_closest_marker("browser"))
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"REQUIRE_SERVICES=1 but this test was skipped: {reason}"


@pytest.fixture
def jobcenter(db):
    return default_jobcenter()


@pytest.fixture
def team_a(jobcenter):
    return TeamFactory(jobcenter=jobcenter, name="Team A")


@pytest.fixture
def team_b(jobcenter):
    return TeamFactory(jobcenter=jobcenter, name="Team B")


@pytest.fixture
def caseworker(jobcenter, team_a):
    return make_staff("alice", Role.CASEWORKER, jobcenter=jobcenter, team=team_a)


@pytest.fixture
def colleague(jobcenter, team_a):
    return make_staff("bob", Role.CASEWORKER, jobcenter=jobcenter, team=team_a)


@pytest.fixture
def other_caseworker(jobcenter, team_b):
    return make_staff("charlie", Role.CASEWORKER, jobcenter=jobcenter, team=team_b)


@pytest.fixture
def manager(jobcenter):
    return make_staff("maria", Role.MANAGER, jobcenter=jobcenter)


@pytest.fixture
def dpo(jobcenter):
    return make_staff("dorte", Role.DPO, jobcenter=jobcenter)


@pytest.fixture
def analyst(jobcenter):
    return make_staff("anders", Role.ANALYST, jobcenter=jobcenter)


@pytest.fixture
def foreign_caseworker(db):
    elsewhere = JobcenterFactory(name="Jobcenter Andetsteds", municipality_code="902")
    team = TeamFactory(jobcenter=elsewhere, name="Team A")
    return make_staff("frida", Role.CASEWORKER, jobcenter=elsewhere, team=team)


@pytest.fixture
def citizen_spell(team_a, caseworker):
    """A citizen past meeting 2 with a snapshot, in Alice's caseload."""
    return make_citizen_with_spell(team=team_a, caseworker=caseworker, cpr="1704921234")


@pytest.fixture
def citizen(citizen_spell):
    return citizen_spell[0]


@pytest.fixture
def login(client):
    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in English leaves English active in this thread (LocaleMiddleware does
    not switch back); every test starts and ends in the default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _audit_checkpoint_dir(settings, tmp_path):
    """Each test writes its external audit checkpoints (audit.checkpoints) to its own
    directory: lines written for another test's database would not match this one."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
