"""factory_boy factories. Citizens are made through the real service, so their CPR
numbers are encrypted and hashed exactly as in production."""

import datetime
import itertools

import factory

from casework.cpr import cpr_parse
from casework.models import Meeting, Spell
from casework.services import citizen_create, snapshot_create, spell_open
from jobcenter.models import Jobcenter, Role, Team
from jobcenter.services import staff_create, team_create
from prediction.services import feature_spec_register
from prediction.specification import DEFAULT_SPECIFICATION_PATH

PASSWORD = "test-password-123"
_serial = itertools.count(1000)


class JobcenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jobcenter
        django_get_or_create = ("municipality_code",)

    name = factory.Sequence(lambda n: f"Jobcenter Test {n}")
    municipality_code = factory.Sequence(lambda n: f"{n % 1000:03d}")
    dpo_contact = "dpo@example.invalid"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    jobcenter = factory.SubFactory(JobcenterFactory)
    name = factory.Sequence(lambda n: f"Team {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return team_create(jobcenter=kwargs["jobcenter"], name=kwargs["name"])


def make_staff(username, role, *, jobcenter=None, team=None):
    return staff_create(
        username=username,
        password=PASSWORD,
        role=role,
        jobcenter=jobcenter,
        team=team,
        first_name=username.capitalize(),
    )


def make_cpr(birth: datetime.date, *, female: bool = True) -> str:
    """A valid CPR number for a birth date; unique per call."""
    serial = next(_serial)
    seventh = 0 if birth.year < 2000 else 4
    last = (serial % 5) * 2 + (0 if female else 1)
    return f"{birth:%d%m%y}{seventh}{serial % 100:02d}{last}"


def default_jobcenter() -> Jobcenter:
    """The personas' jobcenter (the ``jobcenter`` fixture's): what a test's version,
    training run or training record belongs to unless it says otherwise."""
    return JobcenterFactory(name="Jobcenter Testby", municipality_code="901")


def default_feature_spec():
    return feature_spec_register(source_toml=DEFAULT_SPECIFICATION_PATH.read_text("utf-8"))


DEFAULT_SNAPSHOT_VALUES = {
    "age": {"value": 34, "source": "CPR", "date": "2026-10-01"},
    "education": {"value": "vocational", "source": "Uddannelsesregisteret", "date": "2026-10-01"},
    "months_employed_3y": {"value": 20, "source": "DREAM", "date": "2026-10-01"},
    "spells_5y": {"value": 2, "source": "DREAM", "date": "2026-10-01"},
    "previous_industry": {"value": "construction", "source": "DREAM", "date": "2026-10-01"},
    "benefit_type": {"value": "dagpenge", "source": "Fagsystem", "date": "2026-10-01"},
    "cv_complete": {"value": True, "source": "Jobnet", "date": "2026-10-01"},
    "job_search_activity": {"value": 12, "source": "Jobnet", "date": "2026-10-01"},
    "availability": {"value": "full_time", "source": "Sagsbehandler", "date": "2026-10-01"},
    "driving_licence": {"value": True, "source": "Sagsbehandler", "date": "2026-10-01"},
    "gender": {"value": "female", "source": "CPR", "date": "2026-10-01"},
    "origin": {"value": "danish", "source": "CPR", "date": "2026-10-01"},
    "postal_code": {"value": "7400", "source": "CPR", "date": "2026-10-01"},
}


def make_citizen_with_spell(
    *,
    team: Team,
    caseworker=None,
    name: str = "Karen Jensen",
    cpr: str | None = None,
    meetings: int = 2,
    snapshot: bool = True,
    start: datetime.date = datetime.date(2026, 8, 3),
):
    """A citizen with an open spell in ``team``, ``meetings`` meetings and (after meeting
    2) an assessment snapshot."""
    cpr = cpr or make_cpr(datetime.date(1992, 4, 17))
    citizen = citizen_create(
        jobcenter=team.jobcenter,
        cpr=cpr_parse(cpr),
        name=name,
        street_address="Østergade 12, 2. th.",
        postal_code="7400",
    )
    spell = spell_open(
        citizen=citizen,
        team=team,
        caseworker=caseworker,
        benefit_type="dagpenge",
        start_date=start,
        external_id=f"T-{next(_serial)}",
    )
    for number in range(1, meetings + 1):
        Meeting.objects.create(
            spell=spell, number=number, held_on=start + datetime.timedelta(weeks=4 * number)
        )
    if snapshot and meetings >= 2:
        snapshot_create(
            spell=spell,
            specification=default_feature_spec(),
            as_of=start + datetime.timedelta(weeks=8),
            values=DEFAULT_SNAPSHOT_VALUES,
        )
    return citizen, Spell.objects.get(pk=spell.pk)


__all__ = [
    "PASSWORD",
    "Role",
    "default_jobcenter",
    "make_staff",
    "make_citizen_with_spell",
    "make_cpr",
]
