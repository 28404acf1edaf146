"""The demo municipality as a visitor, a tester or an analyst meets it: the same seed
gives the same data, the counts look like a jobcenter's, the demo logins work and see
only their own team's citizens, the generator writes one audit event, refuses to run
twice or under production settings, and the deliberate origin disparity is there.

Each database test generates its own small municipality (2,000 spells, about a second);
the statistical checks that need more spells run on the generator's arrays alone.
"""

import datetime
import io
import json
import re

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.cpr import cpr_decrypt
from casework.demo import figures as fig
from casework.demo.generation import demo_data_generate
from casework.demo.staff import DEMO_LOGINS
from casework.models import AssessmentSnapshot, Citizen, Meeting, Outcome, Spell
from casework.permissions import citizens_visible_to
from casework.selectors import caseload_for_user
from jobcenter.models import Jobcenter, Team, User
from prediction.specification import DEFAULT_SPECIFICATION_PATH, specification_from_toml

TODAY = datetime.date(2026, 11, 25)
SPELLS = 2_000
SEED = 11
USERNAMES = [login.username for login in DEMO_LOGINS]
# A CPR number stands alone: ten digits inside a hexadecimal hash (the audit details
# carry SHA-256 digests) are not one.
CLEAR_CPR = re.compile(r"(?<![0-9A-Za-z])\d{6}-?\d{4}(?![0-9A-Za-z])")


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def generate(spells: int = SPELLS, seed: int = SEED) -> str:
    return run(
        "generate_demo_data", "--spells", str(spells), "--seed", str(seed), "--today", str(TODAY)
    )


def arrays(spells: int, seed: int, today: datetime.date = TODAY):
    specification = specification_from_toml(DEFAULT_SPECIFICATION_PATH.read_text("utf-8"))
    return demo_data_generate(spells=spells, seed=seed, today=today, specification=specification)


def row_counts() -> dict[str, int]:
    models = (Jobcenter, Team, User, Citizen, Spell, Meeting, AssessmentSnapshot, Outcome)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["AuditEvent"] = AuditEvent.objects.count()
    return counts


@pytest.fixture
def demo_output(db) -> str:
    """A fresh demo municipality of 2,000 spells; the command's output."""
    return generate()


# -- The generator's arrays (no database) --------------------------------------------------


def test_the_same_seed_gives_the_same_municipality_and_another_seed_another():
    first, again, other = arrays(1_500, 7), arrays(1_500, 7), arrays(1_500, 8)
    for a in (first, again):
        assert len(a.spells) == 1_500
    assert first.citizens.ids == again.citizens.ids
    assert first.citizens.names == again.citizens.names
    assert np.array_equal(first.citizens.cpr, again.citizens.cpr)
    assert first.spells.ids == again.spells.ids
    for name in ("citizen", "benefit", "start", "end", "meeting2", "outcome", "meeting_day"):
        assert np.array_equal(getattr(first.spells, name), getattr(again.spells, name)), name
    for name, column in first.spells.features.items():
        assert column.values == again.spells.features[name].values, name

    assert first.citizens.ids != other.citizens.ids
    assert not np.array_equal(first.citizens.cpr[:100], other.citizens.cpr[:100])
    assert not np.array_equal(first.spells.start, other.spells.start)


def test_another_today_moves_the_history_with_it():
    now, later = arrays(500, 7), arrays(500, 7, TODAY + datetime.timedelta(days=100))
    assert np.array_equal(later.spells.start - now.spells.start, np.full(500, 100))
    assert now.spells.end.max() < (TODAY - datetime.date(1970, 1, 1)).days


def test_generated_cpr_numbers_are_unique_and_fail_the_modulus_11_check():
    cpr = arrays(2_000, 7).citizens.cpr
    assert len(set(cpr.tolist())) == len(cpr)
    weights = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])
    digits = np.array([[int(ch) for ch in number] for number in cpr.tolist()])
    assert not ((digits @ weights) % 11 == 0).any()


def test_base_rates_per_benefit_type_are_in_the_domain_ranges():
    data = arrays(40_000, 2026)
    s = data.spells
    closed = ~s.is_open
    rate = {
        benefit: s.outcome[closed & (s.benefit == index)].mean()
        for index, benefit in enumerate(fig.BENEFIT_TYPES)
    }
    assert 0.10 <= rate["dagpenge"] <= 0.20
    assert 0.35 <= rate["kontanthjaelp_jobparat"] <= 0.50
    assert 0.70 <= rate["kontanthjaelp_aktivitetsparat"] <= 0.85


def test_the_disparity_for_non_western_origin_holds_within_every_benefit_type():
    s = arrays(40_000, 2026).spells
    closed = ~s.is_open
    origin = np.array(s.features["origin"].values, dtype=object)
    for index, benefit in enumerate(fig.BENEFIT_TYPES):
        here = closed & (s.benefit == index)
        non_western = s.outcome[here & (origin == "non_western")]
        danish = s.outcome[here & (origin == "danish")]
        assert len(non_western) >= 200, benefit
        assert non_western.mean() - danish.mean() > 0.05, benefit


# -- What the command writes -----------------------------------------------------------------


def test_about_92_percent_of_spells_are_closed_with_snapshot_and_outcome(demo_output):
    spells = Spell.objects.all()
    assert spells.count() == SPELLS
    closed = spells.filter(end_date__isnull=False)
    assert 0.90 <= closed.count() / SPELLS <= 0.94
    assert Outcome.objects.count() == closed.count()
    assert not Outcome.objects.filter(spell__end_date__isnull=True).exists()
    closed_with_snapshot = AssessmentSnapshot.objects.filter(spell__end_date__isnull=False)
    assert closed_with_snapshot.values("spell").distinct().count() == closed.count()
    assert f"spells {SPELLS:,}" in demo_output
    assert "Still on benefits 12 months after meeting 2" in demo_output


def test_open_spells_exist_some_before_meeting_2_and_some_past_it(demo_output):
    held = {
        spell.pk: spell.held
        for spell in Spell.objects.filter(end_date__isnull=True).annotate(held=Count("meetings"))
    }
    assert held
    before = [pk for pk, count in held.items() if count < 2]
    past = [pk for pk, count in held.items() if count >= 2]
    assert before and past
    with_snapshot = set(
        AssessmentSnapshot.objects.filter(spell__end_date__isnull=True).values_list(
            "spell_id", flat=True
        )
    )
    assert with_snapshot == set(past)  # the snapshot is taken at meeting 2, not before
    assert not Outcome.objects.filter(spell_id__in=held).exists()


def test_the_two_caseworkers_are_in_different_teams_and_see_only_their_own(demo_output):
    first = User.objects.get(username="caseworker")
    second = User.objects.get(username="caseworker2")
    assert first.team_id and second.team_id and first.team_id != second.team_id

    def citizens(user, scope="mine"):
        caseload = caseload_for_user(user=user, scope=scope)
        return set(caseload.values_list("citizen_id", flat=True))

    mine_1, mine_2 = citizens(first), citizens(second)
    assert mine_1 and mine_2
    assert not mine_1 & mine_2
    assert not citizens(first, "team") & citizens(second, "team")
    visible_1 = set(citizens_visible_to(user=first).values_list("pk", flat=True))
    visible_2 = set(citizens_visible_to(user=second).values_list("pk", flat=True))
    assert mine_1 <= visible_1 and mine_2 <= visible_2
    assert not visible_1 & visible_2


def test_all_six_demo_logins_work_and_the_synthetic_caseworkers_cannot_log_in(
    demo_output, settings
):
    for username in USERNAMES:
        user = authenticate(username=username, password=settings.DEMO_PASSWORD)
        assert user is not None and user.is_active, username
    synthetic = User.objects.filter(username__startswith="sb.")
    assert synthetic.exists()
    assert not any(user.has_usable_password() for user in synthetic)


def test_one_demo_data_audit_event_plus_the_staff_and_team_events(demo_output):
    demo = AuditEvent.objects.filter(action=AuditAction.DEMO_DATA)
    assert demo.count() == 1
    details = demo.get().details
    assert details["seed"] == SEED and details["today"] == TODAY.isoformat()
    assert details["counts"]["spells"] == SPELLS
    staff = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE, object_type="user")
    assert sorted(event.details["username"] for event in staff) == sorted(USERNAMES)
    assert AuditEvent.objects.filter(action=AuditAction.TEAM_CREATE).count() == len(fig.TEAMS)
    # One event for the whole municipality, not one per citizen or spell.
    others = AuditEvent.objects.exclude(
        action__in=[AuditAction.DEMO_DATA, AuditAction.ROLE_CHANGE, AuditAction.TEAM_CREATE]
    )
    assert not others.exists()


def test_the_database_holds_what_the_seed_generates_and_no_clear_cpr(demo_output):
    data = arrays(SPELLS, SEED)
    citizens = list(Citizen.objects.all())
    assert sorted(c.name for c in citizens) == sorted(data.citizens.names)
    clear = {citizen.pk: cpr_decrypt(citizen.cpr_encrypted).digits for citizen in citizens}
    assert set(clear.values()) == set(data.citizens.cpr.tolist())
    for citizen in citizens:  # stored encrypted and as a keyed hash, never as digits
        digits = clear[citizen.pk]
        assert digits not in citizen.cpr_encrypted and digits not in citizen.cpr_hash


def test_no_cpr_number_appears_in_clear_text_in_the_output(demo_output):
    tokens = Citizen.objects.values_list("cpr_encrypted", flat=True)
    numbers = [cpr_decrypt(token).digits for token in tokens]
    assert numbers
    setup_output = run("demo_setup")
    audit_details = json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))
    for text in (demo_output, setup_output, audit_details):
        assert not CLEAR_CPR.search(text)
        for digits in numbers:
            assert digits not in text and f"{digits[:6]}-{digits[6:]}" not in text


# -- Refusals and idempotence ---------------------------------------------------------------


def test_a_second_run_refuses_clearly_and_changes_nothing(demo_output):
    before = row_counts()
    with pytest.raises(CommandError, match="already generated"):
        generate(seed=SEED + 1)
    assert row_counts() == before


def test_demo_setup_generates_once_then_only_ensures_the_logins(db, settings):
    first = run("demo_setup", "--spells", "600", "--seed", "3")
    assert "Generating demo data: 600 spells, seed 3" in first
    after_first = row_counts()
    assert after_first["Spell"] == 600

    second = run("demo_setup", "--spells", "600", "--seed", "3")
    assert "already has demo data; leaving it alone" in second
    assert row_counts() == after_first
    for output in (first, second):
        assert all(re.search(rf"^\s+{name}\s", output, re.M) for name in USERNAMES)
        assert f"password:    {settings.DEMO_PASSWORD}" in output

    # A login someone broke is put back, and that is audited.
    user = User.objects.get(username="caseworker")
    user.is_active = False
    user.set_password("something else")
    user.save()
    third = run("demo_setup")
    assert "caseworker: reactivated, password reset to DEMO_PASSWORD" in third
    assert authenticate(username="caseworker", password=settings.DEMO_PASSWORD) is not None
    assert row_counts()["AuditEvent"] == after_first["AuditEvent"] + 1
    assert row_counts()["Spell"] == 600


@pytest.mark.parametrize(
    "command", [["generate_demo_data", "--spells", "600"], ["demo_setup", "--spells", "600"]]
)
def test_both_commands_refuse_under_production_and_write_nothing(db, settings, command):
    settings.PRODUCTION = True
    before = row_counts()
    with pytest.raises(CommandError, match="production"):
        run(*command)
    assert row_counts() == before
    assert not Jobcenter.objects.filter(municipality_code=fig.MUNICIPALITY_CODE).exists()


def test_demo_setup_on_existing_demo_data_refuses_under_production(demo_output, settings):
    User.objects.filter(username="caseworker").update(is_active=False)
    settings.PRODUCTION = True
    before = row_counts()
    with pytest.raises(CommandError, match="production"):
        run("demo_setup")
    assert row_counts() == before
    assert not User.objects.get(username="caseworker").is_active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spells", "0"], "--spells must be at least 1"),
        (["--spells", "-5"], "--spells must be at least 1"),
        (["--spells", "many"], "invalid int value: 'many'"),
        (["--today", "notadate"], "--today must be a date YYYY-MM-DD, got 'notadate'"),
        (["--today", "2026-02-30"], "--today must be a date YYYY-MM-DD"),
    ],
)
def test_bad_arguments_give_clear_errors_and_write_nothing(db, args, message):
    before = row_counts()
    with pytest.raises(CommandError, match=re.escape(message)):
        run("generate_demo_data", *args)
    assert row_counts() == before


# -- The deliberate disparity, as an analyst would find it in the database ----------------


def test_the_origin_disparity_is_visible_in_outcomes_and_snapshots(demo_output):
    rows = [
        (snapshot.value("origin"), snapshot.value("benefit_type"), outcome)
        for snapshot, outcome in (
            (snapshot, snapshot.spell.outcome.unemployed_12m)
            for snapshot in AssessmentSnapshot.objects.filter(
                spell__end_date__isnull=False
            ).select_related("spell__outcome")
        )
    ]
    assert len(rows) > 0.9 * SPELLS

    def rate(origin, benefit=None):
        hits = [y for o, b, y in rows if o == origin and (benefit is None or b == benefit)]
        return sum(hits) / len(hits), len(hits)

    non_western, n_non_western = rate("non_western")
    danish, _ = rate("danish")
    assert non_western - danish > 0.10

    # Within the same benefit type: what non-Western citizens would have had at the Danish
    # rate of their own benefit type, against what they had.
    expected = sum(
        rate("non_western", benefit)[1] * rate("danish", benefit)[0]
        for benefit in fig.BENEFIT_TYPES
        if rate("non_western", benefit)[1]
    )
    assert non_western - expected / n_non_western > 0.05
    # Origin is kept as a protected attribute, not a model input.
    spec = specification_from_toml(DEFAULT_SPECIFICATION_PATH.read_text("utf-8"))
    assert spec.feature("origin").role == "protected"
