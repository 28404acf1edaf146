"""``jobcenter.compiled_reads``: what it refuses to compile, and that its reads follow
the values they are given (the citizen page's reads are held to their querysets in
tests/casework/test_page_reads.py)."""

import pytest

from jobcenter.compiled_reads import CompiledRead, StandIn, prefetched_set
from jobcenter.models import Team


def test_a_value_that_is_not_named_is_refused_rather_than_frozen_into_the_sql(team_a):
    read = CompiledRead(
        lambda *, jobcenter: Team.objects.filter(jobcenter_id=jobcenter, pk=team_a.pk),
        jobcenter=StandIn.integer(1),
    )
    with pytest.raises(ValueError, match="would be frozen into the SQL"):
        read.read(jobcenter=team_a.jobcenter_id)


def test_a_stand_in_the_sql_does_not_use_is_refused(team_a):
    read = CompiledRead(
        lambda *, jobcenter, team: Team.objects.filter(jobcenter_id=jobcenter),
        jobcenter=StandIn.integer(1),
        team=StandIn.integer(2),
    )
    with pytest.raises(ValueError, match=r"stand-ins not in the SQL: \['team'\]"):
        read.read(jobcenter=team_a.jobcenter_id, team=team_a.pk)


def test_each_read_uses_its_own_values_and_constants_stay(jobcenter, team_a, team_b):
    read = CompiledRead(
        lambda *, jobcenter, team: Team.objects.filter(
            jobcenter_id=jobcenter, pk=team, name__startswith=""
        ),
        jobcenter=StandIn.integer(1),
        team=StandIn.integer(2),
    )
    assert read.read(jobcenter=jobcenter.pk, team=team_a.pk) == [team_a]
    assert read.read(jobcenter=jobcenter.pk, team=team_b.pk) == [team_b]
    assert read.read(jobcenter=jobcenter.pk + 1000, team=team_b.pk) == []
    sql, params = read.sql_and_params(jobcenter=jobcenter.pk, team=team_b.pk)
    assert len(params) == sql.count("%s") == 3
    assert {jobcenter.pk, team_b.pk} <= set(params)


def test_prefetched_set_answers_all_without_a_query(citizen, django_assert_num_queries):
    spell = citizen.spells.get()
    meetings = list(spell.meetings.order_by("number"))
    prefetched_set(spell, "meetings", meetings)
    with django_assert_num_queries(0):
        assert list(spell.meetings.all()) == meetings
        assert all(m.spell is spell for m in spell.meetings.all())
