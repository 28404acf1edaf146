"""The citizen page's query count, pinned exactly: it must not grow with the citizen's
history, the team's caseload or the size of the database (bench/bench_citizen_page.py
measures the time on a million citizens). If a change adds or removes a query on
purpose, update the numbers here and say why in the commit."""

import pytest
from django.db import connection

from tests.casework.conftest import citizen_url, judge_before_seeing
from tests.factories import make_citizen_with_spell

# An audit event is one statement on PostgreSQL (the chain head advanced, the event
# inserted and the head moved together, audit.services) and three elsewhere (the head
# advanced with UPDATE ... RETURNING, the event, the new head).
AUDIT_STATEMENTS = 1 if connection.vendor == "postgresql" else 3
# Session, the user with their team and jobcenter, and the user's groups (3, read
# fresh on every request by jobcenter.security.StaffBackend); BEGIN; the
# permission-checked citizen with its jobcenter; spells; meetings; snapshots; the
# spell's judgements (every caseworker's, with who and the answer after a reveal, for
# the history); estimates; the user's feedback on rules (so feedback already sent shows
# as sent); a standing objection (9); the lookup's audit event's statements; the stop
# switch and the active version (2); COMMIT.
HIDDEN = 15 + AUDIT_STATEMENTS
# ... and the estimate view's event in a savepoint: SAVEPOINT, its statements, RELEASE.
SHOWN = HIDDEN + 2 + AUDIT_STATEMENTS


def test_a_shown_estimate_takes_an_exact_number_of_queries(
    login, caseworker, citizen, team_a, active_version, django_assert_num_queries
):
    client = login(caseworker)
    busy, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=6, name="Bo")
    for who in (citizen, busy):
        judge_before_seeing(caseworker, who)
        client.get(citizen_url(who))  # warm: caches; the estimate row exists afterwards
        with django_assert_num_queries(SHOWN):
            response = client.get(citizen_url(who))
        assert 'id="estimate-probability"' in response.content.decode()


def test_an_estimate_hidden_by_judgement_first_takes_an_exact_number_of_queries(
    login, caseworker, citizen, active_version, django_assert_num_queries
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    with django_assert_num_queries(HIDDEN):
        response = client.get(citizen_url(citizen))
    assert "Registrér først din egen vurdering" in response.content.decode()


@pytest.mark.parametrize("colleagues_citizens", [0, 30])
def test_the_count_does_not_grow_with_the_teams_caseload(
    login,
    caseworker,
    citizen,
    team_a,
    active_version,
    colleagues_citizens,
    django_assert_num_queries,
):
    for number in range(colleagues_citizens):
        make_citizen_with_spell(team=team_a, caseworker=caseworker, name=f"Borger {number}")
    judge_before_seeing(caseworker, citizen)
    client = login(caseworker)
    client.get(citizen_url(citizen))
    with django_assert_num_queries(SHOWN):
        client.get(citizen_url(citizen))
