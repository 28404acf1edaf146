"""The citizen page's compiled reads (``jobcenter.compiled_reads``) give the very
instances their querysets give: every field, every ``select_related`` object and every
annotation, for a citizen with two spells, meetings, a corrected snapshot, judgements,
estimates, feedback and a standing objection, and for citizens with none of these."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from casework.corrections import snapshot_correct
from casework.judgements import rule_feedback_record
from casework.models import (
    Citizen,
    Objection,
    RuleFeedback,
    Spell,
)
from casework.permissions import CITIZEN_WITH_ACCESS
from casework.selectors import (
    CITIZEN_MEETINGS,
    CITIZEN_OBJECTION,
    CITIZEN_SPELLS,
    SPELL_ESTIMATES,
    SPELL_FEEDBACK,
    SPELL_JUDGEMENTS,
    SPELL_SNAPSHOTS,
    citizen_page_for_user,
)
from casework.services import citizen_view, objection_record
from prediction.registry import scoring_pause_set
from prediction.selectors import ACTIVE_VERSION, SCORING_CONTROL
from tests.casework.conftest import judge_before_seeing
from tests.factories import make_citizen_with_spell


def _state(obj) -> dict:
    """Everything an instance holds: its fields and annotations, and the same of each
    related object loaded with it."""
    values = {
        k: v for k, v in vars(obj).items() if k not in ("_state", "_prefetched_objects_cache")
    }
    values["_related"] = {
        name: None if other is None else _state(other)
        for name, other in obj._state.fields_cache.items()
    }
    values["_class"] = type(obj)
    return values


def _same(compiled: list, built) -> None:
    built = list(built)
    assert [o.pk for o in compiled] == [o.pk for o in built]
    assert [_state(o) for o in compiled] == [_state(o) for o in built]


@pytest.fixture
def busy_citizen(citizen, caseworker, team_a, active_version):
    """The personas' citizen, now with an older closed spell, a correction, judgements,
    estimates, feedback on a rule and a standing objection."""
    Spell.objects.create(
        jobcenter=citizen.jobcenter,
        citizen=citizen,
        team=team_a,
        caseworker=caseworker,
        benefit_type="kontanthjaelp",
        start_date=datetime.date(2023, 1, 2),
        end_date=datetime.date(2023, 9, 1),
        external_id="OLD-1",
    )
    judge_before_seeing(caseworker, citizen)
    page, panel = citizen_view(user=caseworker, citizen_id=citizen.pk)
    assert panel.shown, panel.state
    rule_feedback_record(
        user=caseworker,
        citizen_id=citizen.pk,
        estimate_id=panel.estimate.pk,
        feature=panel.assessment.explanation.rules[0].feature,
        kind=RuleFeedback.Kind.MISLEADING,
    )
    snapshot_correct(
        user=caseworker,
        citizen_id=citizen.pk,
        snapshot_id=page.snapshot.pk,
        feature="job_search_activity",
        value="3",
        source="Samtale med borgeren",
    )
    objection_record(
        user=caseworker,
        citizen_id=citizen.pk,
        received_on=timezone.localdate(),
        channel=Objection.Channel.IN_PERSON,
    )
    return citizen


def test_the_page_reads_give_what_their_querysets_give(busy_citizen, caseworker, team_a):
    plain, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, name="Ole", meetings=1)
    for citizen in (busy_citizen, plain):
        spells = CITIZEN_SPELLS.read(citizen=citizen.pk)
        _same(spells, CITIZEN_SPELLS.build(citizen=citizen.pk))
        _same(CITIZEN_MEETINGS.read(citizen=citizen.pk), CITIZEN_MEETINGS.build(citizen=citizen.pk))
        _same(
            CITIZEN_OBJECTION.read(citizen=citizen.pk), CITIZEN_OBJECTION.build(citizen=citizen.pk)
        )
        for read, values in (
            (SPELL_SNAPSHOTS, {"spell": spells[0].pk}),
            (SPELL_JUDGEMENTS, {"spell": spells[0].pk}),
            (SPELL_ESTIMATES, {"spell": spells[0].pk}),
            (SPELL_FEEDBACK, {"spell": spells[0].pk, "user": caseworker.pk}),
        ):
            _same(read.read(**values), read.build(**values))
        access = {
            "citizen": citizen.pk,
            "user": caseworker.pk,
            "jobcenter": caseworker.jobcenter_id,
            "now": timezone.now(),
            "content_type": ContentType.objects.get_for_model(Citizen).pk,
        }
        _same(CITIZEN_WITH_ACCESS.read(**access), CITIZEN_WITH_ACCESS.build(**access))
    counts = {
        "spells": len(CITIZEN_SPELLS.read(citizen=busy_citizen.pk)),
        "meetings": len(CITIZEN_MEETINGS.read(citizen=busy_citizen.pk)),
        "objections": len(CITIZEN_OBJECTION.read(citizen=busy_citizen.pk)),
    }
    spell = CITIZEN_SPELLS.read(citizen=busy_citizen.pk)[0]
    counts |= {
        "snapshots": len(SPELL_SNAPSHOTS.read(spell=spell.pk)),
        "judgements": len(SPELL_JUDGEMENTS.read(spell=spell.pk)),
        "estimates": len(SPELL_ESTIMATES.read(spell=spell.pk)),
        "feedback": len(SPELL_FEEDBACK.read(spell=spell.pk, user=caseworker.pk)),
    }
    # The comparison above compared something: the busy citizen has all of it.
    assert counts == {
        "spells": 2,
        "meetings": 2,
        "objections": 1,
        "snapshots": 2,
        "judgements": 1,
        "estimates": 2,
        "feedback": 1,
    }


def test_the_panel_reads_give_what_their_querysets_give(citizen, manager, active_version):
    values = {"specification": active_version.specification_id, "jobcenter": citizen.jobcenter_id}
    version = ACTIVE_VERSION.read(**values)
    _same(version, ACTIVE_VERSION.build(**values))
    assert [v.pk for v in version] == [active_version.pk]
    assert SCORING_CONTROL.read(jobcenter=citizen.jobcenter_id) == []
    scoring_pause_set(user=manager, paused=True, reason="Fejl i data")
    control = SCORING_CONTROL.read(jobcenter=citizen.jobcenter_id)
    _same(control, SCORING_CONTROL.build(jobcenter=citizen.jobcenter_id))
    assert [(c.scoring_paused, c.pause_reason) for c in control] == [(True, "Fejl i data")]


def test_another_users_access_is_read_with_their_values(citizen, caseworker, other_caseworker):
    """The user and the moment are parameters, not frozen into the SQL by the first
    request: a colleague in another team, asking second, is refused."""
    assert citizen_page_for_user(user=caseworker, citizen_id=citizen.pk).citizen == citizen
    with pytest.raises(Citizen.DoesNotExist):
        citizen_page_for_user(user=other_caseworker, citizen_id=citizen.pk)
    mine, _ = make_citizen_with_spell(team=other_caseworker.team, caseworker=other_caseworker)
    assert citizen_page_for_user(user=other_caseworker, citizen_id=mine.pk).citizen == mine
    with pytest.raises(Citizen.DoesNotExist):
        citizen_page_for_user(user=caseworker, citizen_id=mine.pk)
