"""Writes the generated demo municipality to the database: one transaction, one
``AuditAction.DEMO_DATA`` event with the counts (plus the events ``team_create`` and
``staff_create`` write for the teams and the six demo logins).

Speed matters (100,000 spells in well under a minute on SQLite), so rows go in with
``bulk_create`` from model instances built positionally, in chunks that bound memory.
CPR numbers are protected exactly as ``casework.services.citizen_create`` does it
(``cpr_encrypt`` and ``cpr_hash``); the clear number never reaches the database.

Only citizens with an open spell are granted to a team (data minimisation): nobody needs
to look up a citizen whose spell closed years ago.
"""

import datetime
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.models import Group
from django.db import IntegrityError, models, transaction

from audit.actions import AuditAction
from audit.services import audit_record
from casework.cpr import Cpr, cpr_encrypt, cpr_hash, cpr_keyset_id
from casework.demo import figures as fig
from casework.demo.generation import DemoData, demo_data_generate
from casework.demo.population import staff_names_draw, street_addresses
from casework.demo.staff import (
    DEMO_LOGINS,
    DemoDataRefused,
    caseworker_usernames,
    demo_allowed_check,
    demo_logins_clashing,
    demo_logins_create,
)
from casework.models import AssessmentSnapshot, Citizen, Meeting, Outcome, Spell
from casework.permissions import citizen_team_access_bulk_grant
from jobcenter.models import Jobcenter, Team, User
from jobcenter.services import roles_ensure, team_create
from prediction.models import FeatureSpec
from prediction.services import feature_spec_register
from prediction.specification import DEFAULT_SPECIFICATION_PATH, specification_from_toml

CHUNK = 20_000  # spells per round of writes: bounds memory, keeps batches large
BATCH_SIZE = 2_000  # rows per INSERT (SQLite caps it at 999 parameters anyway)

Progress = Callable[[str], None]


@dataclass
class DemoSummary:
    jobcenter: Jobcenter
    seed: int
    today: datetime.date
    counts: dict[str, int] = field(default_factory=dict)
    base_rates: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def demo_jobcenter_get() -> Jobcenter | None:
    return Jobcenter.objects.filter(municipality_code=fig.MUNICIPALITY_CODE).first()


def _demo_jobcenter_has_data(jobcenter: Jobcenter) -> bool:
    return (
        Team.objects.filter(jobcenter=jobcenter).exists()
        or Citizen.objects.filter(jobcenter=jobcenter).exists()
        or User.objects.filter(jobcenter=jobcenter).exists()
    )


def demo_data_create(
    *, spells: int, seed: int, today: datetime.date, progress: Progress | None = None
) -> DemoSummary:
    """Generates the demo municipality and writes it; refuses under production
    settings and when the demo jobcenter already has data."""
    say = progress or (lambda line: None)
    demo_allowed_check()
    existing = demo_jobcenter_get()
    if existing is not None and _demo_jobcenter_has_data(existing):
        raise DemoDataRefused(
            f"{existing.name} already generated; use a fresh database "
            "(or run demo_setup, which leaves existing demo data alone)."
        )
    clashing = demo_logins_clashing()
    if clashing:
        raise DemoDataRefused(
            f"The demo login(s) {', '.join(clashing)} already exist; use a fresh database."
        )
    started = time.perf_counter()
    source_toml = DEFAULT_SPECIFICATION_PATH.read_text(encoding="utf-8")
    data = demo_data_generate(
        spells=spells, seed=seed, today=today, specification=specification_from_toml(source_toml)
    )
    say(
        f"Generated {len(data.spells):,} spells of {len(data.citizens):,} citizens "
        f"with {len(data.spells.meeting_day):,} meetings ({time.perf_counter() - started:.1f} s)"
    )
    try:
        summary = demo_data_load(data=data, source_toml=source_toml, say=say, started=started)
    except IntegrityError as exc:  # a concurrent run got there first
        raise DemoDataRefused(f"already generated; use a fresh database ({exc})") from exc
    summary.seconds = time.perf_counter() - started
    return summary


@transaction.atomic
def demo_data_load(
    *, data: DemoData, source_toml: str, say: Progress, started: float
) -> DemoSummary:
    """All the writes, in one transaction: a failure leaves nothing behind."""
    specification = feature_spec_register(source_toml=source_toml)
    jobcenter = demo_jobcenter_get() or Jobcenter.objects.create(
        name=fig.JOBCENTER_NAME,
        municipality_code=fig.MUNICIPALITY_CODE,
        dpo_contact=fig.DPO_CONTACT,
    )
    if _demo_jobcenter_has_data(jobcenter):  # checked again inside the transaction
        raise DemoDataRefused(f"{jobcenter.name} already generated; use a fresh database.")
    roles = roles_ensure()
    teams = {name: team_create(jobcenter=jobcenter, name=name) for name, _ in fig.TEAMS}
    for number, team in enumerate(teams.values(), start=1):
        # The contact a letter gives the citizen (fictional, like the rest of the demo).
        team.phone = f"99 99 98 {number:02d}"
        team.email = f"{team.name.lower()}@aaby.example"
        team.save(update_fields=["phone", "email"])
    logins = demo_logins_create(jobcenter=jobcenter, teams=teams)
    caseworkers = _caseworkers_create(
        data=data, jobcenter=jobcenter, teams=teams, logins=logins, role_group=roles["caseworker"]
    )
    caseworker_count = sum(len(ids) for ids in caseworkers)
    say(
        f"Teams {len(teams)}, caseworkers {caseworker_count:,} "
        f"(the demo logins caseworker and caseworker2 among them)"
    )

    citizen_ids = [str(i) for i in data.citizens.ids]
    _citizens_write(data=data, jobcenter=jobcenter)
    say(f"Citizens {len(data.citizens):,} written ({time.perf_counter() - started:.1f} s)")
    counts = _spells_write(
        data=data,
        jobcenter=jobcenter,
        specification=specification,
        team_ids=[teams[name].pk for name, _ in fig.TEAMS],
        caseworkers=caseworkers,
        say=say,
        started=started,
    )
    s = data.spells
    open_rows = np.flatnonzero(s.is_open)
    group_ids = [teams[name].group_id for name, _ in fig.TEAMS]
    granted = citizen_team_access_bulk_grant(
        pairs=[(citizen_ids[s.citizen[i]], group_ids[s.team[i]]) for i in open_rows]
    )
    say(f"Team access granted to {granted:,} citizens with an open spell")

    closed = ~s.is_open
    base_rates = {
        benefit: round(float(s.outcome[closed & (s.benefit == index)].mean()), 3)
        for index, benefit in enumerate(fig.BENEFIT_TYPES)
        if (closed & (s.benefit == index)).any()
    }
    counts = {
        "citizens": len(data.citizens),
        "spells": len(s),
        "closed_spells": int(closed.sum()),
        "open_spells": int(s.is_open.sum()),
        **counts,
        "teams": len(teams),
        "caseworkers": caseworker_count,
        "demo_logins": len(logins),
        "team_access_grants": granted,
    }
    audit_record(
        action=AuditAction.DEMO_DATA,
        jobcenter_id=jobcenter.pk,
        object_type="jobcenter",
        object_id=str(jobcenter.pk),
        details={
            "seed": data.seed,
            "today": data.today.isoformat(),
            "specification": f"{specification.name} v{specification.version}",
            "counts": counts,
        },
    )
    return DemoSummary(
        jobcenter=jobcenter, seed=data.seed, today=data.today, counts=counts, base_rates=base_rates
    )


def _instances(model: type[models.Model], columns: dict[str, Sequence]) -> list[models.Model]:
    """Model instances built positionally (several times faster than keywords for a
    million rows). Columns are keyed by attname; fields left out take their default,
    which must not be a per-row value (a UUID primary key must be given)."""
    fields = model._meta.concrete_fields
    unknown = set(columns) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    per_field = [
        columns[f.attname]
        if f.attname in columns
        else itertools.repeat(None if f.primary_key else f.get_default())
        for f in fields
    ]
    return [model(*values) for values in zip(*per_field)]  # noqa: B905 - repeat() is endless


def _dates(days: np.ndarray) -> list[datetime.date]:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").tolist()


def _caseworkers_create(
    *,
    data: DemoData,
    jobcenter: Jobcenter,
    teams: dict[str, Team],
    logins: dict[str, User],
    role_group: Group,
) -> list[list[int]]:
    """Each team's caseworkers (user ids, slot order): the team's demo login first if it
    has one, then synthetic ones, bulk-created with unusable passwords."""
    rng = np.random.default_rng(data.seed + 1)  # staff names; independent of the citizens
    demo_in_team = {login.team: logins[login.username] for login in DEMO_LOGINS if login.team}
    new_users = []
    plan = []
    for (name, _), size in zip(fig.TEAMS, data.caseworkers_per_team, strict=True):
        demo = demo_in_team.get(name)
        synthetic = size - (1 if demo else 0)
        plan.append((name, demo, synthetic))
        people = staff_names_draw(rng=rng, n=synthetic)
        for username, (first, last) in zip(
            caseworker_usernames(name, synthetic), people, strict=True
        ):
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                jobcenter=jobcenter,
                team=teams[name],
            )
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    ids = dict(
        User.objects.filter(username__in=[u.username for u in new_users]).values_list(
            "username", "pk"
        )
    )
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u.username], group_id=role_group.pk) for u in new_users],
        batch_size=BATCH_SIZE,
    )
    result = []
    for name, demo, synthetic in plan:
        team_ids = [demo.pk] if demo else []
        team_ids += [ids[username] for username in caseworker_usernames(name, synthetic)]
        result.append(team_ids)
    return result


def _citizens_write(*, data: DemoData, jobcenter: Jobcenter) -> None:
    c = data.citizens
    cprs = [Cpr(digits) for digits in c.cpr.tolist()]
    n = len(c)
    addresses = street_addresses(n)
    for begin in range(0, n, CHUNK):
        part = slice(begin, min(n, begin + CHUNK))
        rows = _instances(
            Citizen,
            {
                "id": c.ids[part],
                "jobcenter_id": itertools.repeat(jobcenter.pk),
                "cpr_encrypted": [cpr_encrypt(cpr) for cpr in cprs[part]],
                "cpr_hash": [cpr_hash(cpr) for cpr in cprs[part]],
                "cpr_keyset": itertools.repeat(cpr_keyset_id()),
                "name": c.names[part],
                "birth_date": _dates(c.birth[part]),
                "gender": np.where(c.male[part], "male", "female").tolist(),
                "street_address": addresses[part],
                "postal_code": c.postal_code[part].tolist(),
                "citizenship": c.citizenship[part].tolist(),
            },
        )
        Citizen.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _spells_write(
    *,
    data: DemoData,
    jobcenter: Jobcenter,
    specification: FeatureSpec,
    team_ids: list[int],
    caseworkers: list[list[int]],
    say: Progress,
    started: float,
) -> dict[str, int]:
    """Spells, their meetings, snapshots and outcomes, chunk by chunk."""
    s = data.spells
    n = len(s)
    citizen_ids = data.citizens.ids
    features = [(name, column) for name, column in s.features.items()]
    iso = {
        name: np.datetime_as_string(column.dates.astype("datetime64[D]")).tolist()
        for name, column in features
    }
    meeting_bounds = np.searchsorted(s.meeting_spell, np.arange(0, n + CHUNK, CHUNK))
    counts = {"meetings": 0, "snapshots": 0, "outcomes": 0}
    for chunk, begin in enumerate(range(0, n, CHUNK)):
        end = min(n, begin + CHUNK)
        rows = range(begin, end)
        slots = s.caseworker_slot[begin:end]
        teams = s.team[begin:end]
        ends = s.end[begin:end]
        spells = _instances(
            Spell,
            {
                "id": s.ids[begin:end],
                "external_id": [f"DEMO-{i + 1:06d}" for i in rows],
                "jobcenter_id": itertools.repeat(jobcenter.pk),
                "citizen_id": [citizen_ids[i] for i in s.citizen[begin:end]],
                "team_id": [team_ids[t] for t in teams],
                "caseworker_id": [
                    caseworkers[t][slot] if slot >= 0 else None
                    for t, slot in zip(teams, slots, strict=True)
                ],
                "benefit_type": np.array(fig.BENEFIT_TYPES)[s.benefit[begin:end]].tolist(),
                "start_date": _dates(s.start[begin:end]),
                "end_date": [
                    day if number >= 0 else None
                    for day, number in zip(_dates(np.maximum(ends, 0)), ends, strict=True)
                ],
            },
        )
        Spell.objects.bulk_create(spells, batch_size=BATCH_SIZE)

        m_begin, m_end = meeting_bounds[chunk], meeting_bounds[chunk + 1]
        meetings = _instances(
            Meeting,
            {
                "spell_id": [s.ids[i] for i in s.meeting_spell[m_begin:m_end]],
                "number": s.meeting_number[m_begin:m_end].tolist(),
                "held_on": _dates(s.meeting_day[m_begin:m_end]),
            },
        )
        Meeting.objects.bulk_create(meetings, batch_size=BATCH_SIZE)
        counts["meetings"] += len(meetings)

        with_snapshot = [i for i in rows if s.meeting2[i] >= 0]
        snapshots = _instances(
            AssessmentSnapshot,
            {
                "spell_id": [s.ids[i] for i in with_snapshot],
                "specification_id": itertools.repeat(specification.pk),
                "as_of": _dates(s.meeting2[with_snapshot]),
                "values": [
                    {
                        name: {
                            "value": column.values[i],
                            "source": column.source,
                            "date": iso[name][i],
                        }
                        for name, column in features
                    }
                    for i in with_snapshot
                ],
            },
        )
        AssessmentSnapshot.objects.bulk_create(snapshots, batch_size=BATCH_SIZE)
        counts["snapshots"] += len(snapshots)

        closed = [i for i in rows if s.end[i] >= 0]
        outcomes = _instances(
            Outcome,
            {
                "spell_id": [s.ids[i] for i in closed],
                "unemployed_12m": (s.outcome[closed] == 1).tolist(),
                "observed_on": _dates(s.meeting2[closed] + fig.OUTCOME_OBSERVED_AFTER_DAYS),
                "source": itertools.repeat("DREAM"),
            },
        )
        Outcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
        counts["outcomes"] += len(outcomes)
        say(
            f"Spells {end:,}/{n:,} written with {counts['meetings']:,} meetings, "
            f"{counts['snapshots']:,} snapshots, {counts['outcomes']:,} outcomes "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return counts
