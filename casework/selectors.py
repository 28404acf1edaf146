"""Reads that views and the API share, already filtered by what the user may see."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, QuerySet

from casework.models import AssessmentSnapshot, Citizen, Meeting, Spell
from casework.permissions import citizens_visible_to
from jobcenter.models import User


class AssessmentStatus:
    NOT_YET = "not_yet"  # meeting 2 not held yet
    WAITING = "waiting"  # meeting 2 held, snapshot taken, judgement not recorded
    NO_DATA = "no_data"  # meeting 2 held, but the snapshot has not arrived


CASELOAD_SORTS = {
    "name": ("citizen__name", "start_date"),
    "-name": ("-citizen__name", "start_date"),
    "start": ("start_date", "citizen__name"),
    "-start": ("-start_date", "citizen__name"),
    "meetings": ("meetings_held", "citizen__name"),
    "-meetings": ("-meetings_held", "citizen__name"),
    "last_meeting": ("last_meeting", "citizen__name"),
    "-last_meeting": ("-last_meeting", "citizen__name"),
}


def caseload_for_user(
    *,
    user: User,
    scope: str = "mine",
    status: str = "",
    benefit_type: str = "",
    sort: str = "name",
) -> QuerySet[Spell]:
    """Open spells the user may see: their own caseload (``scope="mine"``) or their
    team's (``scope="team"``), with meetings held and whether an assessment can be made."""
    spells = (
        Spell.objects.filter(
            end_date__isnull=True,
            jobcenter_id=user.jobcenter_id,
            citizen__in=citizens_visible_to(user=user),
        )
        .select_related("citizen", "caseworker")
        .annotate(
            meetings_held=Count("meetings", distinct=True),
            last_meeting=Max("meetings__held_on"),
            has_snapshot=Exists(AssessmentSnapshot.objects.filter(spell=OuterRef("pk"))),
        )
    )
    if scope == "mine":
        spells = spells.filter(caseworker=user)
    elif user.team_id:
        spells = spells.filter(team_id=user.team_id)
    if benefit_type:
        spells = spells.filter(benefit_type=benefit_type)
    if status == AssessmentStatus.NOT_YET:
        spells = spells.filter(meetings_held__lt=2)
    elif status == AssessmentStatus.WAITING:
        spells = spells.filter(meetings_held__gte=2, has_snapshot=True)
    elif status == AssessmentStatus.NO_DATA:
        spells = spells.filter(meetings_held__gte=2, has_snapshot=False)
    return spells.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def assessment_status(spell: Spell) -> str:
    if spell.meetings_held < 2:
        return AssessmentStatus.NOT_YET
    return AssessmentStatus.WAITING if spell.has_snapshot else AssessmentStatus.NO_DATA


@dataclass(frozen=True)
class CitizenPage:
    citizen: Citizen
    spells: list[Spell]
    current_spell: Spell | None
    snapshot: AssessmentSnapshot | None


def citizen_get_for_user(*, user: User, citizen_id) -> Citizen:
    """The citizen if ``user`` may see them; ``Citizen.DoesNotExist`` otherwise, so that
    an unknown citizen and a forbidden one look the same (a 404)."""
    return citizens_visible_to(user=user).get(pk=citizen_id)


def citizen_page_for_user(*, user: User, citizen_id) -> CitizenPage:
    """Everything the citizen page shows, in a fixed number of queries."""
    citizen = citizen_get_for_user(user=user, citizen_id=citizen_id)
    spells = list(
        Spell.objects.filter(citizen=citizen)
        .select_related("team", "caseworker")
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("number")))
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")
    )
    current = next((s for s in spells if s.end_date is None), None)
    snapshot = None
    if current is not None:
        snapshot = (
            AssessmentSnapshot.objects.filter(spell=current)
            .select_related("specification")
            .order_by("-created_at", "-pk")
            .first()
        )
    return CitizenPage(citizen=citizen, spells=spells, current_spell=current, snapshot=snapshot)


def citizen_search_for_user(*, user: User, name: str = "", cpr_hash: str = "") -> QuerySet:
    citizens = citizens_visible_to(user=user)
    if cpr_hash:
        return citizens.filter(cpr_hash=cpr_hash)
    if name:
        return citizens.filter(name__icontains=name.strip()).order_by("name")[:50]
    return citizens.none()
