"""A jobcenter's history of use, built row by row so each test can count what the cockpit
should show straight from the data: two teams of three caseworkers, a team of one
(shown only in the jobcenter's total), an active version, spells over four months with
estimates, judgements, outcomes, an objection and a correction."""

import datetime
import random
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from casework.models import (
    AssessmentSnapshot,
    Estimate,
    Judgement,
    JudgementReason,
    Objection,
    Outcome,
    Spell,
)
from cockpit.models import SummaryRun
from cockpit.summaries import summary_run_execute
from tests.casework.guards import casework_guards_lifted
from tests.factories import Role as Roles
from tests.factories import TeamFactory, make_citizen_with_spell, make_cpr, make_staff
from tests.prediction.test_views import make_active

MONTHS = [
    datetime.date(2026, 5, 1),
    datetime.date(2026, 6, 1),
    datetime.date(2026, 7, 1),
    datetime.date(2026, 8, 1),
]


@dataclass
class History:
    version: object
    teams: dict
    caseworkers: list
    spells: list = field(default_factory=list)
    judgements: list = field(default_factory=list)


def _backdate_judgement(judgement, day):
    zone = timezone.get_current_timezone()
    with casework_guards_lifted():
        Judgement.objects.filter(pk=judgement.pk).update(
            created_at=datetime.datetime.combine(day, datetime.time(11), tzinfo=zone)
        )


def _band(p, cutoffs):
    return "high" if p >= cutoffs[1] else ("low" if p < cutoffs[0] else "medium")


@pytest.fixture
def history(jobcenter, team_a, team_b, caseworker, colleague, other_caseworker, analyst, manager):
    rng = random.Random(9)
    small = TeamFactory(jobcenter=jobcenter, name="Team Lille")
    caseworkers = {
        team_a: [
            caseworker,
            colleague,
            make_staff("anna", Roles.CASEWORKER, jobcenter=jobcenter, team=team_a),
        ],
        team_b: [
            other_caseworker,
            make_staff("bente", Roles.CASEWORKER, jobcenter=jobcenter, team=team_b),
            make_staff("carl", Roles.CASEWORKER, jobcenter=jobcenter, team=team_b),
        ],
        small: [make_staff("solveig", Roles.CASEWORKER, jobcenter=jobcenter, team=small)],
    }
    first = None
    spells = []
    plan = [(team_a, 40), (team_b, 30), (small, 6)]
    for team, count in plan:
        for i in range(count):
            month = MONTHS[i % len(MONTHS)]
            start = month - datetime.timedelta(weeks=8) + datetime.timedelta(days=rng.randrange(20))
            citizen, spell = make_citizen_with_spell(
                team=team,
                caseworker=caseworkers[team][i % len(caseworkers[team])],
                name=f"Borger {team.name} {i}",
                cpr=make_cpr(datetime.date(1960 + len(spells) % 40, 1 + i % 12, 1 + i % 28)),
                start=start,
            )
            if i % 3 == 0:
                Spell.objects.filter(pk=spell.pk).update(benefit_type="kontanthjaelp_jobparat")
            spells.append(spell)
            first = first or spell
    version = make_active(first.snapshots.get().specification, trained_by=analyst, reviewer=manager)
    # make_active re-scored the open spells; give each a probability of our own choosing.
    Estimate.objects.all().delete()
    history = History(
        version=version,
        teams={"a": team_a, "b": team_b, "small": small},
        caseworkers=[u for users in caseworkers.values() for u in users],
    )
    reasons = [JudgementReason.KNOWN_INFORMATION, JudgementReason.CITIZEN_SITUATION]
    for index, spell in enumerate(spells):
        spell.refresh_from_db()
        snapshot = spell.snapshots.get()
        p = rng.choice([0.1, 0.2, 0.45, 0.7, 0.85])
        estimate = Estimate.objects.create(
            snapshot=snapshot,
            spell=spell,
            model_version=version,
            probability=p,
            band=_band(p, version.band_cutoffs),
            leaf_id=1,
        )
        if index % 8 != 7:  # seven in eight have an outcome already
            Outcome.objects.create(
                spell=spell, unemployed_12m=rng.random() < p, observed_on=datetime.date(2026, 11, 1)
            )
            Spell.objects.filter(pk=spell.pk).update(end_date=datetime.date(2026, 11, 1))
        if index % 5 != 4:  # four in five are judged
            own = rng.choice(["low", "medium", "high"])
            if index % 7 == 0:
                agreement, shown = "not_seen", None
            else:
                agreement, shown = ("agree" if own == estimate.band else "disagree"), estimate
            judgement = Judgement.objects.create(
                jobcenter=jobcenter,
                spell=spell,
                snapshot=snapshot,
                estimate=shown,
                caseworker=spell.caseworker,
                risk_band=own,
                agreement=agreement,
                reason_category=reasons[index % 2] if agreement == "disagree" else "",
                reason_text="Borgeren har et konkret jobtilbud." if agreement == "disagree" else "",
                next_step="guidance",
            )
            _backdate_judgement(judgement, snapshot.as_of + datetime.timedelta(days=2))
            history.judgements.append(judgement)
    Objection.objects.create(
        jobcenter=jobcenter,
        citizen=spells[1].citizen,
        received_on=datetime.date(2026, 6, 10),
        channel=Objection.Channel.LETTER,
        recorded_by=caseworker,
    )
    original = spells[2].snapshots.get()
    correction = AssessmentSnapshot.objects.create(
        spell=spells[2],
        specification=original.specification,
        as_of=original.as_of,
        values=original.values,
        corrects=original,
        correction_reason="CV opdateret",
        created_by=caseworker,
    )
    AssessmentSnapshot.objects.filter(pk=correction.pk).update(
        created_at=datetime.datetime(2026, 7, 3, 10, tzinfo=timezone.get_current_timezone())
    )
    history.spells = [Spell.objects.get(pk=s.pk) for s in spells]
    return history


@pytest.fixture
def computed(history, jobcenter):
    run = SummaryRun.objects.create(jobcenter=jobcenter)
    run = summary_run_execute(run_id=run.pk)
    assert run.state == SummaryRun.State.SUCCEEDED, run.message
    return run
