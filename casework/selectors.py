"""Reads that views and the API share, already filtered by what the user may see."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.display import snapshot_inputs
from casework.models import (
    AssessmentSnapshot,
    BreakGlassAccess,
    Citizen,
    Estimate,
    Judgement,
    Meeting,
    Objection,
    RuleFeedback,
    Spell,
)
from casework.permissions import (
    Access,
    citizen_visible,
    citizen_with_access,
    citizens_visible_to,
)
from jobcenter.compiled_reads import CompiledRead, StandIn, prefetched_set
from jobcenter.models import Jobcenter, User
from prediction.selectors import Assessment, assessment_for_inputs


class AssessmentStatus:
    NOT_YET = "not_yet"  # meeting 2 not held yet
    WAITING = "waiting"  # meeting 2 held, snapshot taken, judgement not recorded
    NO_DATA = "no_data"  # meeting 2 held, but the snapshot has not arrived
    ASSESSED = "assessed"  # a professional judgement is recorded for the spell
    OBJECTION = "objection"  # the citizen objects to profiling; no judgement yet


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
    team's (``scope="team"``), with meetings held and whether an assessment can be made.

    Every figure of a row is a subquery of that spell, not a join with ``GROUP BY``: so
    the paginator's count leaves out what it does not filter on (Django strips unused
    annotations from a count; it cannot strip an aggregate), and PostgreSQL works them
    out only for the page's rows, after sorting (it postpones costly output
    expressions past a sort with a limit)."""
    meetings = Meeting.objects.filter(spell=OuterRef("pk")).order_by()
    spells = (
        Spell.objects.filter(
            citizen_visible(user=user, citizen=OuterRef("citizen_id")),
            end_date__isnull=True,
            jobcenter_id=user.jobcenter_id,
        )
        .select_related("citizen", "caseworker")
        .annotate(
            meetings_held=Coalesce(
                Subquery(meetings.values("spell").annotate(n=Count("pk")).values("n")),
                0,
                output_field=IntegerField(),
            ),
            last_meeting=Subquery(meetings.order_by("-held_on").values("held_on")[:1]),
            has_snapshot=Exists(AssessmentSnapshot.objects.filter(spell=OuterRef("pk"))),
            has_judgement=Exists(Judgement.objects.filter(spell=OuterRef("pk"))),
            has_objection=Exists(
                Objection.objects.filter(
                    citizen_id=OuterRef("citizen_id"), withdrawn_at__isnull=True
                )
            ),
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
    elif status == AssessmentStatus.ASSESSED:
        spells = spells.filter(has_judgement=True)
    elif status == AssessmentStatus.OBJECTION:
        spells = spells.filter(meetings_held__gte=2, has_judgement=False, has_objection=True)
    elif status == AssessmentStatus.WAITING:
        spells = spells.filter(
            meetings_held__gte=2, has_snapshot=True, has_judgement=False, has_objection=False
        )
    elif status == AssessmentStatus.NO_DATA:
        spells = spells.filter(
            meetings_held__gte=2, has_snapshot=False, has_judgement=False, has_objection=False
        )
    return spells.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS["name"]))


def assessment_status(spell: Spell) -> str:
    """What has been recorded for the spell: a judgement first, then an objection, then
    whether a judgement can be made yet."""
    if spell.has_judgement:
        return AssessmentStatus.ASSESSED
    if spell.meetings_held < 2:
        return AssessmentStatus.NOT_YET
    if spell.has_objection:
        return AssessmentStatus.OBJECTION
    return AssessmentStatus.WAITING if spell.has_snapshot else AssessmentStatus.NO_DATA


@dataclass(frozen=True)
class CitizenPage:
    """What the citizen page reads, in a fixed number of queries. ``snapshots`` are the
    current spell's snapshots, oldest first (the original, then each correction);
    ``snapshot`` is the one in force; ``judgements`` are the viewing user's for the
    current spell, newest first; ``history`` every caseworker's judgements of the
    current spell, newest first, with who made them and any answer given after the
    estimate was revealed; ``estimates`` every estimate of those snapshots;
    ``feedback`` the viewing user's feedback on rules of those estimates."""

    citizen: Citizen
    access: str
    spells: list[Spell]
    current_spell: Spell | None
    snapshot: AssessmentSnapshot | None
    snapshots: list[AssessmentSnapshot] = field(default_factory=list)
    objection: Objection | None = None
    judgements: list[Judgement] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)
    break_glass: BreakGlassAccess | None = None
    history: list[Judgement] = field(default_factory=list)
    feedback: list[RuleFeedback] = field(default_factory=list)

    @property
    def meetings_held(self) -> int:
        return len(self.current_spell.meetings.all()) if self.current_spell else 0

    @property
    def original_snapshot(self) -> AssessmentSnapshot | None:
        return self.snapshots[0] if self.snapshots else None

    @property
    def judgement(self) -> Judgement | None:
        """The user's judgement in force for the snapshot in force."""
        if self.snapshot is None:
            return None
        return next((j for j in self.judgements if j.snapshot_id == self.snapshot.pk), None)

    @property
    def judgement_latest(self) -> Judgement | None:
        """The user's newest judgement of the current spell, of whichever snapshot: a
        correction of an input does not undo the judgement made on the old data."""
        return self.judgements[0] if self.judgements else None

    def estimate_for(self, *, snapshot_id: int, model_version_id: int) -> Estimate | None:
        return next(
            (
                e
                for e in self.estimates
                if e.snapshot_id == snapshot_id and e.model_version_id == model_version_id
            ),
            None,
        )


def citizen_get_for_user(*, user: User, citizen_id) -> Citizen:
    """The citizen if ``user`` may see them; ``Citizen.DoesNotExist`` otherwise, so that
    an unknown citizen and a forbidden one look the same (a 404)."""
    return citizen_with_access(user=user, citizen_id=citizen_id)[0]


def citizen_page_for_user(*, user: User, citizen_id) -> CitizenPage:
    """Everything the citizen page shows, in a fixed number of queries, each compiled
    once per connection (``jobcenter.compiled_reads``)."""
    citizen, access = citizen_with_access(user=user, citizen_id=citizen_id)
    spells = CITIZEN_SPELLS.read(citizen=citizen.pk)
    meetings: dict = {spell.pk: [] for spell in spells}
    if spells:
        for meeting in CITIZEN_MEETINGS.read(citizen=citizen.pk):
            meetings[meeting.spell_id].append(meeting)
    for spell in spells:
        prefetched_set(spell, "meetings", meetings[spell.pk])
    current = next((s for s in spells if s.end_date is None), None)
    snapshots: list[AssessmentSnapshot] = []
    judgements: list[Judgement] = []
    history: list[Judgement] = []
    estimates: list[Estimate] = []
    feedback: list[RuleFeedback] = []
    if current is not None:
        snapshots = SPELL_SNAPSHOTS.read(spell=current.pk)
        if snapshots:
            history = SPELL_JUDGEMENTS.read(spell=current.pk)
            # The case system reads the spell's judgements, whoever made them; a person
            # their own.
            judgements = (
                history
                if access == Access.SERVICE
                else [j for j in history if j.caseworker_id == user.pk]
            )
            estimates = SPELL_ESTIMATES.read(spell=current.pk)
            feedback = SPELL_FEEDBACK.read(spell=current.pk, user=user.pk)
    standing = CITIZEN_OBJECTION.read(citizen=citizen.pk)
    break_glass = None
    if access == Access.BREAK_GLASS:
        break_glass = break_glass_current(user=user, citizen_id=citizen.pk)
    return CitizenPage(
        citizen=citizen,
        access=access,
        spells=spells,
        current_spell=current,
        snapshot=snapshot_in_force(snapshots),
        snapshots=snapshots,
        objection=standing[0] if standing else None,
        judgements=judgements,
        estimates=estimates,
        break_glass=break_glass,
        history=history,
        feedback=feedback,
    )


# The citizen page's reads, compiled once per connection: the page is the one every
# caseworker opens at every meeting.
CITIZEN_SPELLS = CompiledRead(
    lambda *, citizen: (
        Spell.objects.filter(citizen_id=citizen)
        .select_related("team", "caseworker")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")
    ),
    citizen=StandIn.uuid(11),
)
CITIZEN_MEETINGS = CompiledRead(
    lambda *, citizen: Meeting.objects.filter(spell__citizen_id=citizen).order_by(
        "spell_id", "number"
    ),
    citizen=StandIn.uuid(12),
)
SPELL_SNAPSHOTS = CompiledRead(
    lambda *, spell: (
        AssessmentSnapshot.objects.filter(spell_id=spell)
        .select_related("specification", "created_by")
        .order_by("created_at", "pk")
    ),
    spell=StandIn.uuid(13),
)
SPELL_JUDGEMENTS = CompiledRead(
    lambda *, spell: (
        Judgement.objects.filter(spell_id=spell)
        .select_related("caseworker", "reveal_answer")
        .order_by("-created_at", "-pk")
    ),
    spell=StandIn.uuid(14),
)
SPELL_ESTIMATES = CompiledRead(
    lambda *, spell: Estimate.objects.filter(spell_id=spell).order_by("computed_at", "pk"),
    spell=StandIn.uuid(15),
)
SPELL_FEEDBACK = CompiledRead(
    lambda *, spell, user: RuleFeedback.objects.filter(
        estimate__spell_id=spell, user_id=user
    ).order_by("pk"),
    spell=StandIn.uuid(16),
    user=StandIn.integer(16),
)
CITIZEN_OBJECTION = CompiledRead(
    lambda *, citizen: (
        Objection.objects.filter(citizen_id=citizen, withdrawn_at__isnull=True)
        .select_related("recorded_by")
        .order_by("pk")[:1]
    ),
    citizen=StandIn.uuid(17),
)


def snapshot_in_force(snapshots: list[AssessmentSnapshot]) -> AssessmentSnapshot | None:
    """The snapshot no correction has replaced (the newest when there are several)."""
    replaced = {s.corrects_id for s in snapshots if s.corrects_id}
    current = [s for s in snapshots if s.pk not in replaced]
    return current[-1] if current else None


def break_glass_current(*, user: User, citizen_id) -> BreakGlassAccess | None:
    now = timezone.now()
    return (
        BreakGlassAccess.objects.filter(
            user=user, citizen_id=citizen_id, starts_at__lte=now, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )


def citizen_by_cpr_hash(*, user: User, cpr_hashes: Sequence[str]) -> Citizen | None:
    """A citizen of the user's own jobcenter by the CPR number's keyed hash (under any
    configured key: ``casework.cpr.cpr_hashes``), whether or not the user may see them:
    only for breaking the glass, which is audited."""
    if user.jobcenter_id is None:
        return None
    return Citizen.objects.filter(
        jobcenter_id=user.jobcenter_id, cpr_hash__in=list(cpr_hashes)
    ).first()


def spell_citizen_id_for_user(*, user: User, external_id: str):
    """The citizen id of the spell the case system knows by ``external_id`` in the
    user's own jobcenter (unique there); ``Citizen.DoesNotExist`` otherwise. Whether the
    user may see the citizen is decided after, by ``citizen_view``."""
    if user.jobcenter_id is None:
        raise Citizen.DoesNotExist
    citizen_id = (
        Spell.objects.filter(jobcenter_id=user.jobcenter_id, external_id=external_id)
        .values_list("citizen_id", flat=True)
        .first()
    )
    if citizen_id is None:
        raise Citizen.DoesNotExist
    return citizen_id


def citizen_in_jobcenter(*, user: User, citizen_id) -> Citizen | None:
    """A citizen of the user's own jobcenter by id, whether or not the user may see
    them: only for recording a refused access, never for showing anything."""
    if user.jobcenter_id is None:
        return None
    return Citizen.objects.filter(jobcenter_id=user.jobcenter_id, pk=citizen_id).only("pk").first()


def citizen_search_for_user(
    *, user: User, name: str = "", cpr_hashes: Sequence[str] = ()
) -> QuerySet:
    citizens = citizens_visible_to(user=user)
    if cpr_hashes:
        return citizens.filter(cpr_hash__in=list(cpr_hashes))
    if name:
        return citizens.filter(name__icontains=name.strip()).order_by("name")[:50]
    return citizens.none()


class PanelState:
    """What the estimate panel of the citizen page shows instead of, or as, a score."""

    NO_SPELL = "no_spell"  # no open spell
    NOT_YET = "not_yet"  # before meeting 2
    NO_DATA = "no_data"  # meeting 2 held, the snapshot has not arrived
    OBJECTION = "objection"  # the citizen objects to profiling
    PAUSED = "paused"  # the stop switch is on
    NO_MODEL = "no_model"  # no active model version
    REFUSED = "refused"  # the artefact failed its checks
    NOT_SCORABLE = "not_scorable"  # a required input is missing
    JUDGEMENT_FIRST = "judgement_first"  # hidden until the user records a judgement
    AUDIT_FAILED = "audit_failed"  # the view could not be logged, so nothing is shown
    SHOWN = "shown"


@dataclass(frozen=True)
class EstimatePanel:
    state: str
    assessment: Assessment | None = None
    inputs: dict | None = None
    estimate: Estimate | None = None
    previous: Estimate | None = None  # the estimate of the snapshot a correction replaced

    @property
    def shown(self) -> bool:
        return self.state == PanelState.SHOWN


def estimate_panel(*, page: CitizenPage) -> EstimatePanel:
    """Decides what the estimate panel may show for ``page``'s user, without writing.
    Nothing is computed for a citizen who objects; a score is never passed on while
    the judgement-first rule hides it."""
    if page.current_spell is None:
        return EstimatePanel(state=PanelState.NO_SPELL)
    if page.meetings_held < 2:
        return EstimatePanel(state=PanelState.NOT_YET)
    if page.snapshot is None:
        return EstimatePanel(state=PanelState.NO_DATA)
    if page.objection is not None:
        return EstimatePanel(state=PanelState.OBJECTION)
    specification = page.snapshot.specification.specification
    inputs = snapshot_inputs(specification=specification, values=page.snapshot.values)
    # The model and the stop switch of the citizen's own jobcenter.
    assessment = assessment_for_inputs(
        specification_id=page.snapshot.specification_id,
        jobcenter_id=page.citizen.jobcenter_id,
        inputs=inputs,
    )
    if assessment.state != "scored":
        return EstimatePanel(state=assessment.state, assessment=assessment, inputs=inputs)
    if page.citizen.jobcenter.judgement_first and page.judgement_latest is None:
        return EstimatePanel(state=PanelState.JUDGEMENT_FIRST, inputs=inputs)
    version_id = assessment.version.pk
    previous = None
    if page.snapshot.corrects_id:
        previous = page.estimate_for(
            snapshot_id=page.snapshot.corrects_id, model_version_id=version_id
        )
    return EstimatePanel(
        state=PanelState.SHOWN,
        assessment=assessment,
        inputs=inputs,
        estimate=page.estimate_for(snapshot_id=page.snapshot.pk, model_version_id=version_id),
        previous=previous,
    )


def jobcenter_for_user(*, user: User) -> Jobcenter:
    return Jobcenter.objects.get(pk=user.jobcenter_id)
