"""The demo municipality's history as plain arrays: citizens, spells, meetings, the
assessment snapshot's values and the 12-month outcome.

Pure numpy on one ``numpy.random.default_rng(seed)``, no database: the same seed, number
of spells and "today" give identical arrays (names, CPR numbers, ids, values), which the
tests rely on and which makes a demo reproducible. Everything is drawn column-wise so
100,000 spells take about a second. Dates are whole days since 1970-01-01 (``int64``);
``-1`` marks "none" (an open spell's end, a meeting 2 not yet held).

The story a spell tells, in the order it is drawn:

1. a citizen (gender, origin, age, education, driving licence) and their benefit type;
2. the spell's start, meeting 1 and meeting 2 (spacing by benefit type, DOMAIN/STAR);
3. the snapshot's inputs as of meeting 2, each from a plausible register and dated no
   later than meeting 2 (no leakage);
4. for closed spells, the outcome from a log-odds model of those inputs plus the stated
   origin disparity, and an end date that agrees with it; then the later meetings.

All numbers come from ``casework.demo.figures``.
"""

import datetime
import uuid
from dataclasses import dataclass

import numpy as np

from casework.demo import figures as fig
from casework.demo.features import (
    GENERATED_FEATURES,
    Profiles,
    benefits_draw,
    benefits_fix,
    choice_draw,
    features_draw,
    outcome_log_odds,
    profiles_draw,
    specification_check,
    uniform_days_draw,
)
from casework.demo.population import (
    EPOCH_ORDINAL,
    birth_days_draw,
    citizenship_draw,
    cpr_digits_draw,
    days_ymd,
    names_draw,
    postal_codes_draw,
)
from prediction.specification import Specification

DAY_ZERO = datetime.date(1970, 1, 1)
NO_DAY = -(10**6)  # "no such spell" when counting earlier spells

@dataclass(frozen=True)
class FeatureColumn:
    """One snapshot feature for every spell: values (``None`` when missing or when the
    spell has no snapshot), the register it came from, and the date it was read."""

    values: list
    source: str
    dates: np.ndarray


@dataclass(frozen=True)
class DemoCitizens:
    ids: list[uuid.UUID]
    cpr: np.ndarray  # ten digits, "U10"
    names: list[str]
    birth: np.ndarray
    male: np.ndarray
    origin: np.ndarray  # index into figures.ORIGINS
    postal_code: np.ndarray
    citizenship: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class DemoSpells:
    ids: list[uuid.UUID]
    citizen: np.ndarray  # index into DemoCitizens
    benefit: np.ndarray  # index into figures.BENEFIT_TYPES
    team: np.ndarray  # index into figures.TEAMS
    caseworker_slot: np.ndarray  # open spells: which of the team's caseworkers; else -1
    start: np.ndarray
    end: np.ndarray  # -1: open
    meeting2: np.ndarray  # -1: not held yet
    outcome: np.ndarray  # 1 still unemployed after 12 months, 0 not, -1 not known yet
    features: dict[str, FeatureColumn]
    meeting_spell: np.ndarray
    meeting_number: np.ndarray
    meeting_day: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def is_open(self) -> np.ndarray:
        return self.end < 0

    @property
    def has_snapshot(self) -> np.ndarray:
        return self.meeting2 >= 0


@dataclass(frozen=True)
class DemoData:
    seed: int
    today: datetime.date
    citizens: DemoCitizens
    spells: DemoSpells
    caseworkers_per_team: tuple[int, ...]


def day_to_date(day: int) -> datetime.date:
    return datetime.date.fromordinal(EPOCH_ORDINAL + int(day))


# -- Batches of spells -------------------------------------------------------------------


@dataclass
class _Batch:
    """Spells drawn together (one position in the citizens' chains); ``who`` indexes the
    citizen pool the batch belongs to."""

    who: np.ndarray
    benefit: np.ndarray
    start: np.ndarray
    meeting1: np.ndarray
    meeting2: np.ndarray
    held2: np.ndarray  # meeting 2 has been held (always, for closed spells)
    values: dict[str, np.ndarray]  # raw feature values by name
    log_odds: np.ndarray
    outcome: np.ndarray
    end: np.ndarray


def _batch_complete(
    rng: np.random.Generator,
    *,
    profiles: Profiles,
    birth: np.ndarray,
    who: np.ndarray,
    benefit: np.ndarray,
    start: np.ndarray,
    prior_starts: list[np.ndarray],
    today: int,
    closed: bool,
) -> _Batch:
    """Meetings 1 and 2, the snapshot values and, for closed spells, outcome and end."""
    meeting1 = start + uniform_days_draw(rng, fig.FIRST_MEETING_DAYS, benefit)
    if not closed:
        meeting1 = np.minimum(meeting1, today)  # an open spell has had its first meeting
    meeting2 = meeting1 + uniform_days_draw(rng, fig.SECOND_MEETING_DAYS, benefit)
    held2 = np.ones(len(who), dtype=bool) if closed else meeting2 <= today
    window = meeting2 - 5 * 365
    prior = np.zeros(len(who), dtype="int64")
    for earlier_start in prior_starts:
        prior += (earlier_start >= window).astype("int64")
    values = features_draw(
        rng,
        profiles=profiles,
        who=who,
        birth=birth,
        benefit=benefit,
        meeting2=meeting2,
        prior_in_data=prior,
    )
    log_odds = outcome_log_odds(values)
    outcome = np.full(len(who), -1, dtype="int64")
    end = np.full(len(who), -1, dtype="int64")
    if closed:
        outcome = (rng.random(len(who)) < 1 / (1 + np.exp(-log_odds))).astype("int64")
        left = meeting2 + 1 + np.floor(363 * rng.beta(*fig.EXIT_DAYS_BETA, size=len(who)))
        extra = np.floor(rng.exponential(fig.STILL_UNEMPLOYED_EXTRA_DAYS_MEAN, size=len(who)))
        stayed = np.minimum(meeting2 + fig.OUTCOME_OBSERVED_AFTER_DAYS + 1 + extra, today - 1)
        end = np.where(outcome == 1, stayed, left).astype("int64")
    return _Batch(
        who, benefit, start, meeting1, meeting2, held2, values, log_odds, outcome, end
    )


def _batch_take(batch: _Batch, keep: np.ndarray) -> _Batch:
    return _Batch(
        who=batch.who[keep],
        benefit=batch.benefit[keep],
        start=batch.start[keep],
        meeting1=batch.meeting1[keep],
        meeting2=batch.meeting2[keep],
        held2=batch.held2[keep],
        values={name: column[keep] for name, column in batch.values.items()},
        log_odds=batch.log_odds[keep],
        outcome=batch.outcome[keep],
        end=batch.end[keep],
    )


def _profiles_concat(first: Profiles, second: Profiles) -> Profiles:
    return Profiles(
        *(
            np.concatenate([getattr(first, name), getattr(second, name)])
            for name in Profiles.__dataclass_fields__
        )
    )


def _profiles_take(profiles: Profiles, index: np.ndarray) -> Profiles:
    return Profiles(*(getattr(profiles, name)[index] for name in Profiles.__dataclass_fields__))


@dataclass
class _Closed:
    profiles: Profiles
    birth: np.ndarray
    batches: list[_Batch]  # by position in the citizens' chains; ``who`` indexes profiles
    starts: list[np.ndarray]  # by position: each citizen's start, NO_DAY if none
    last_end: np.ndarray
    last_benefit: np.ndarray


def _closed_draw(rng: np.random.Generator, *, count: int, today: int) -> _Closed:
    """Closed spells: citizens with chains of one to three spells in sequence, meeting 2
    in the history window; a citizen whose next spell would not fit loses it. Citizens
    are drawn with room to spare and cut off once ``count`` spells are reached."""
    chain_lengths = np.array(list(fig.SPELLS_PER_CITIZEN))
    chain_weights = np.array(list(fig.SPELLS_PER_CITIZEN.values()))
    pool = int(count / float(chain_lengths @ chain_weights) * 1.3) + 20 if count else 0
    length = chain_lengths[choice_draw(rng, np.tile(chain_weights, (pool, 1)))]
    max_age = np.where(length > 1, fig.MAX_AGE_MULTI_SPELL, 66)
    profiles = profiles_draw(rng, pool, max_age)
    earliest = today - fig.HISTORY_DAYS
    latest_meeting2 = today - fig.LATEST_CLOSED_MEETING2_DAYS
    # The latest start whose meeting 2 still falls in the window, whatever the spacing.
    latest_start = latest_meeting2 - max(a[1] for a in fig.FIRST_MEETING_DAYS) - max(
        b[1] for b in fig.SECOND_MEETING_DAYS
    )
    span = np.where(length > 1, 0.45, 1.0) * (latest_start - earliest)
    start = earliest + np.floor(rng.random(pool) * span).astype("int64")
    birth = birth_days_draw(rng=rng, age=profiles.age, as_of=start)

    batches: list[_Batch] = []
    starts: list[np.ndarray] = []
    who = np.arange(pool)
    benefit = profiles.benefit
    for position in range(int(chain_lengths.max())):
        if position > 0:
            previous = batches[-1]
            going_on = length[previous.who] > position
            who = previous.who[going_on]
            gap_low, gap_mean = fig.GAP_BETWEEN_SPELLS_DAYS
            start = previous.end[going_on] + gap_low
            start = start + np.floor(rng.exponential(gap_mean, size=len(who))).astype("int64")
            age_then = profiles.age[who] + (start - starts[0][who]) // 365
            redraw = benefits_draw(rng, profiles.origin[who], age_then)
            kept = rng.random(len(who)) < fig.BENEFIT_PERSISTENCE
            benefit = np.where(kept, previous.benefit[going_on], redraw)
            benefit = benefits_fix(benefit, age_then, profiles.education[who])
        batch = _batch_complete(
            rng,
            profiles=profiles,
            birth=birth,
            who=who,
            benefit=benefit,
            start=start,
            prior_starts=[earlier[who] for earlier in starts],
            today=today,
            closed=True,
        )
        batch = _batch_take(batch, batch.meeting2 <= latest_meeting2)
        position_starts = np.full(pool, NO_DAY, dtype="int64")
        position_starts[batch.who] = batch.start
        starts.append(position_starts)
        batches.append(batch)

    # Keep the first ``count`` spells in citizen order (a citizen's later spells go first).
    spell_who = np.concatenate([b.who for b in batches])
    spell_position = np.concatenate([np.full(len(b.who), i) for i, b in enumerate(batches)])
    order = np.lexsort((spell_position, spell_who))
    if len(order) < count:  # pragma: no cover - the pool has 30 % to spare
        raise RuntimeError("the citizen pool was too small for the requested spells")
    chosen = np.zeros(len(order), dtype=bool)
    chosen[order[:count]] = True
    used = np.unique(spell_who[chosen])
    remap = np.full(pool, -1, dtype="int64")
    remap[used] = np.arange(len(used))
    offset = 0
    kept_batches = []
    for batch in batches:
        mine = chosen[offset : offset + len(batch.who)]
        offset += len(batch.who)
        batch = _batch_take(batch, mine)
        batch.who = remap[batch.who]
        kept_batches.append(batch)
    last_end = np.full(len(used), NO_DAY, dtype="int64")
    last_benefit = np.zeros(len(used), dtype="int64")
    kept_starts = [np.full(len(used), NO_DAY, dtype="int64") for _ in kept_batches]
    for batch, position_starts in zip(kept_batches, kept_starts, strict=True):
        last_end[batch.who] = batch.end  # positions come in order: the last one wins
        last_benefit[batch.who] = batch.benefit
        position_starts[batch.who] = batch.start
    return _Closed(
        profiles=_profiles_take(profiles, used),
        birth=birth[used],
        batches=kept_batches,
        starts=kept_starts,
        last_end=last_end,
        last_benefit=last_benefit,
    )


def _open_draw(
    rng: np.random.Generator, *, count: int, today: int, closed: _Closed
) -> tuple[Profiles, np.ndarray, _Batch]:
    """Open spells, started in the last ~6 months: some of citizens who have a closed
    spell (ended well before), the rest of new citizens. Returns every citizen's
    profile and birth date (closed ones first) and the open batch."""
    earliest_start = today - fig.OPEN_START_WINDOW_DAYS[1]
    known = len(closed.birth)
    age_now = closed.profiles.age + (today - closed.starts[0]) // 365 + 1
    eligible = np.flatnonzero((closed.last_end <= earliest_start - 30) & (age_now <= 66))
    returning = min(len(eligible), round(count * fig.OPEN_WITH_HISTORY_SHARE))
    returning_who = np.sort(rng.choice(eligible, size=returning, replace=False))
    new = count - returning
    new_profiles = profiles_draw(rng, new, np.full(new, 66))
    low, high = fig.OPEN_START_WINDOW_DAYS
    start = today - low - np.floor(rng.random(count) * (high - low + 1)).astype("int64")
    new_birth = birth_days_draw(rng=rng, age=new_profiles.age, as_of=start[returning:])
    profiles = _profiles_concat(closed.profiles, new_profiles)
    birth = np.concatenate([closed.birth, new_birth])
    who = np.concatenate([returning_who, known + np.arange(new)])

    age_then = (start[:returning] - closed.birth[returning_who]) // 365
    redraw = benefits_draw(rng, profiles.origin[returning_who], age_then)
    kept = rng.random(returning) < fig.BENEFIT_PERSISTENCE
    returning_benefit = np.where(kept, closed.last_benefit[returning_who], redraw)
    returning_benefit = benefits_fix(
        returning_benefit, age_then, profiles.education[returning_who]
    )
    benefit = np.concatenate([returning_benefit, new_profiles.benefit])
    prior_starts = [
        np.concatenate([position_starts, np.full(new, NO_DAY, dtype="int64")])[who]
        for position_starts in closed.starts
    ]
    batch = _batch_complete(
        rng,
        profiles=profiles,
        birth=birth,
        who=who,
        benefit=benefit,
        start=start,
        prior_starts=prior_starts,
        today=today,
        closed=False,
    )
    return profiles, birth, batch


def _meetings_draw(
    rng: np.random.Generator, *, spells: _Batch, limit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Meetings 1..k of every spell: 1 and 2 as drawn, then monthly in the first six
    months (quarterly for not-yet-job-ready citizens) and quarterly after, up to the
    spell's end (or today)."""
    n = len(spells.who)
    index = np.arange(n)
    spell_parts = [index, index[spells.held2]]
    number_parts = [np.full(n, 1), np.full(int(spells.held2.sum()), 2)]
    day_parts = [spells.meeting1, spells.meeting2[spells.held2]]
    last = spells.meeting2.copy()
    active = spells.held2.copy()
    monthly_low, monthly_high = fig.MONTHLY_MEETING_DAYS
    quarterly_low, quarterly_high = fig.QUARTERLY_MEETING_DAYS
    for number in range(3, fig.MAX_MEETINGS + 1):
        monthly = (last - spells.start < fig.MONTHLY_PERIOD_DAYS) & (
            spells.benefit != fig.AKTIVITETSPARAT
        )
        u = rng.random(n)
        interval = np.where(
            monthly,
            monthly_low + np.floor(u * (monthly_high - monthly_low + 1)),
            quarterly_low + np.floor(u * (quarterly_high - quarterly_low + 1)),
        ).astype("int64")
        following = last + interval
        active &= following <= limit
        if not active.any():
            break
        spell_parts.append(index[active])
        number_parts.append(np.full(int(active.sum()), number))
        day_parts.append(following[active])
        last = np.where(active, following, last)
    spell = np.concatenate(spell_parts)
    number = np.concatenate(number_parts)
    day = np.concatenate(day_parts)
    order = np.lexsort((number, spell))
    return spell[order], number[order], day[order]


def _source_dates(
    rng: np.random.Generator, *, meeting1: np.ndarray, meeting2: np.ndarray
) -> dict[str, np.ndarray]:
    """When each register was read, never after meeting 2 (no leakage)."""
    year, _, _ = days_ymd(meeting2)
    october_last_year = (
        (np.asarray(year - 1 - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 9)
        .astype("datetime64[D]")
        .astype("int64")
    )
    month_start = meeting2.astype("datetime64[D]").astype("datetime64[M]")
    last_month_end = month_start.astype("datetime64[D]").astype("int64") - 1
    # DREAM is weekly, weeks ending on Sunday; 1970-01-01 was a Thursday.
    last_sunday = meeting2 - ((meeting2 + 3) % 7 + 1)
    return {
        "CPR": meeting2,
        "Uddannelsesregisteret": october_last_year,  # the register's yearly status date
        "eIndkomst": last_month_end,
        "DREAM": last_sunday,
        "Jobnet": meeting2 - rng.integers(0, 4, size=len(meeting2)),
        "Sagsbehandler": meeting2,
        "Sagsbehandler, 1. samtale": meeting1,
    }


def _feature_columns(
    rng: np.random.Generator,
    *,
    specification: Specification,
    spells: _Batch,
    postal_code: np.ndarray,
) -> dict[str, FeatureColumn]:
    """Snapshot values as the specification parses them (float, str, bool or None),
    ``None`` throughout for spells without a snapshot."""
    dates = _source_dates(rng, meeting1=spells.meeting1, meeting2=spells.meeting2)
    raw = dict(spells.values)
    raw["postal_code"] = postal_code[spells.who]
    columns = {}
    for feature in specification.features:
        if feature.name not in GENERATED_FEATURES:
            values = np.full(len(spells.who), None, dtype=object)
            columns[feature.name] = FeatureColumn(values.tolist(), "", dates["CPR"])
            continue
        _kind, categories, source = GENERATED_FEATURES[feature.name]
        column = raw[feature.name]
        if feature.name == "cv_complete":
            values = np.where(column < 0, None, column.astype(bool)).astype(object)
        elif feature.type == "numeric":
            values = column.astype("float64").astype(object)
        elif feature.type == "boolean":
            values = column.astype(bool).astype(object)
        elif categories:
            values = np.array(categories, dtype=object)[column]
        else:
            values = column.astype(object)
        values[~spells.held2] = None
        when = dates[source]
        if feature.name == "driving_licence":
            source, when = "Sagsbehandler", dates["Sagsbehandler, 1. samtale"]
        columns[feature.name] = FeatureColumn(values.tolist(), source, when)
    return columns


def _uuids(rng: np.random.Generator, n: int) -> list[uuid.UUID]:
    """Version-4 UUIDs from the seeded generator, so ids are reproducible too."""
    raw = rng.integers(0, 256, size=(n, 16), dtype="uint8")
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return [uuid.UUID(bytes=row.tobytes()) for row in raw]


def _caseworker_slots(
    rng: np.random.Generator, *, team: np.ndarray, is_open: np.ndarray
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Each team gets one caseworker per ``TARGET_CASELOAD`` open spells (at least one);
    its open spells are dealt out evenly in a shuffled order."""
    slot = np.full(len(team), -1, dtype="int64")
    sizes = []
    for index in range(len(fig.TEAMS)):
        mine = np.flatnonzero(is_open & (team == index))
        size = max(1, round(len(mine) / fig.TARGET_CASELOAD))
        sizes.append(size)
        slot[rng.permutation(mine)] = np.arange(len(mine)) % size
    return slot, tuple(sizes)


def demo_data_generate(
    *, spells: int, seed: int, today: datetime.date, specification: Specification
) -> DemoData:
    """The whole demo history for ``spells`` spells, as plain arrays (no database)."""
    if spells < 1:
        raise ValueError("spells must be at least 1")
    specification_check(specification)
    rng = np.random.default_rng(seed)
    day = (today - DAY_ZERO).days
    open_count = min(spells, max(1, round(spells * fig.OPEN_SHARE)))
    closed = _closed_draw(rng, count=spells - open_count, today=day)
    profiles, birth, open_batch = _open_draw(rng, count=open_count, today=day, closed=closed)

    everything = [*closed.batches, open_batch]
    combined = _Batch(
        *(
            np.concatenate([getattr(b, name) for b in everything])
            for name in ("who", "benefit", "start", "meeting1", "meeting2", "held2")
        ),
        values={
            name: np.concatenate([b.values[name] for b in everything])
            for name in open_batch.values
        },
        log_odds=np.concatenate([b.log_odds for b in everything]),
        outcome=np.concatenate([b.outcome for b in everything]),
        end=np.concatenate([b.end for b in everything]),
    )
    # Oldest first, so DEMO-000001 is the earliest spell.
    combined = _batch_take(combined, np.argsort(combined.start, kind="stable"))
    is_open = combined.end < 0

    citizen_count = len(birth)
    citizens = DemoCitizens(
        ids=_uuids(rng, citizen_count),
        cpr=cpr_digits_draw(rng=rng, birth=birth, male=profiles.male),
        names=names_draw(rng=rng, male=profiles.male, origin=profiles.origin),
        birth=birth,
        male=profiles.male,
        origin=profiles.origin,
        postal_code=postal_codes_draw(
            rng=rng,
            origin=profiles.origin,
            postal_codes=specification.feature("postal_code").values,
        ),
        citizenship=citizenship_draw(rng=rng, origin=profiles.origin),
    )
    team_of_benefit = {
        benefit: index for index, (_, benefits) in enumerate(fig.TEAMS) for benefit in benefits
    }
    team = np.array([team_of_benefit[b] for b in fig.BENEFIT_TYPES])[combined.benefit]
    slot, sizes = _caseworker_slots(rng, team=team, is_open=is_open)
    limit = np.where(is_open, day, combined.end)
    meeting_spell, meeting_number, meeting_day = _meetings_draw(rng, spells=combined, limit=limit)
    columns = _feature_columns(
        rng, specification=specification, spells=combined, postal_code=citizens.postal_code
    )
    demo_spells = DemoSpells(
        ids=_uuids(rng, len(combined.who)),
        citizen=combined.who,
        benefit=combined.benefit,
        team=team,
        caseworker_slot=slot,
        start=combined.start,
        end=combined.end,
        meeting2=np.where(combined.held2, combined.meeting2, -1),
        outcome=combined.outcome,
        features=columns,
        meeting_spell=meeting_spell,
        meeting_number=meeting_number,
        meeting_day=meeting_day,
    )
    return DemoData(
        seed=seed, today=today, citizens=citizens, spells=demo_spells, caseworkers_per_team=sizes
    )
