"""Reading a jobcenter's history into *facts* for the cockpit's summary tables: one row
per judgement, spell or event, with its team, benefit type, month and category (never the
caseworker), and the measures they make. ``cockpit.summaries`` turns them into cells.

A one-month run (``Window.for_month``) reads only that month's history and takes the
other months back from the stored cells (``stored_facts``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import (
    AssessmentSnapshot,
    BenefitType,
    Estimate,
    Judgement,
    JudgementReason,
    Objection,
    Outcome,
    Spell,
)
from cockpit.grid import team_scopes
from cockpit.models import SummaryCell
from jobcenter.models import Jobcenter, Role, Team

BANDS = ["low", "medium", "high"]
NO_ESTIMATE = "none"
AGREEMENTS = ["agree", "disagree", "not_seen"]
RIGHTS = ["right", "wrong", "medium"]
WHO_WAS_RIGHT = ["caseworker", "model", "neither"]
REASONS = [value for value, _ in JudgementReason.choices]
BENEFITS = [value for value, _ in BenefitType.choices]

#: Measures with one category axis; ``None`` means not split by it.
MEASURES = {
    "judgements": {"categories": AGREEMENTS},
    "disagreement_reasons": {"categories": REASONS},
    "risk_bands": {"categories": [*BANDS, NO_ESTIMATE]},
    "open_bands": {"categories": [*BANDS, NO_ESTIMATE], "months": False},
    "objections": {"categories": None},
    "corrections": {"categories": None},
    "break_glass": {"categories": None, "benefits": False},
    "lookups": {"categories": None, "benefits": False},
    "outcome_by_estimate": {"categories": BANDS},
    "outcome_by_judgement": {"categories": BANDS},
    "model_right": {"categories": RIGHTS},
    "caseworker_right": {"categories": RIGHTS},
    **{f"disagreement_outcome:{reason}": {"categories": WHO_WAS_RIGHT} for reason in REASONS},
}


def _month_of_date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time.dt.date


def _month_of_datetime(values: pd.Series) -> pd.Series:
    zone = timezone.get_current_timezone()
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(zone).dt.tz_localize(None)
    return stamps.dt.to_period("M").dt.start_time.dt.date


def rows_frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


@dataclass
class Window:
    """The raw history one run reads: everything, or one month."""

    first: datetime.date | None = None
    last: datetime.date | None = None  # exclusive

    @classmethod
    def for_month(cls, month: datetime.date | None) -> Window:
        if month is None:
            return cls()
        first = month.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1)
        return cls(first, last)

    def dates(self, field: str) -> dict:
        if self.first is None:
            return {}
        return {f"{field}__gte": self.first, f"{field}__lt": self.last}

    def datetimes(self, field: str) -> dict:
        if self.first is None:
            return {}
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.first, datetime.time(), tzinfo=zone)
        end = datetime.datetime.combine(self.last, datetime.time(), tzinfo=zone)
        return {f"{field}__gte": start, f"{field}__lt": end}


def _spells(jobcenter: Jobcenter, window: Window) -> pd.DataFrame:
    """One row per spell assessed (it has an original snapshot), with its team, benefit
    type, month of assessment, the band and probability of its newest estimate, its
    newest judgement and its outcome."""
    snapshots = rows_frame(
        AssessmentSnapshot.objects.filter(
            spell__jobcenter=jobcenter, corrects__isnull=True, **window.dates("as_of")
        ).values_list(
            "spell_id",
            "spell__citizen_id",
            "spell__team_id",
            "spell__benefit_type",
            "as_of",
            "spell__end_date",
        ),
        ["spell", "citizen", "team", "benefit", "as_of", "end_date"],
    )
    if not len(snapshots):
        return snapshots.assign(month=[], band=[], probability=[], version=[], outcome=[])
    snapshots["month"] = _month_of_date(snapshots["as_of"])
    spell_filter = {"spell__jobcenter": jobcenter}
    if window.first is not None:
        spell_filter["spell__snapshots__as_of__gte"] = window.first
        spell_filter["spell__snapshots__as_of__lt"] = window.last
        spell_filter["spell__snapshots__corrects__isnull"] = True
    estimates = rows_frame(
        Estimate.objects.filter(**spell_filter).values_list(
            "spell_id", "id", "band", "probability", "model_version_id"
        ),
        ["spell", "id", "band", "probability", "version"],
    )
    newest = estimates.sort_values("id").drop_duplicates("spell", keep="last")
    frame = snapshots.merge(newest.drop(columns="id"), on="spell", how="left")
    frame["band"] = frame["band"].fillna("").replace("", NO_ESTIMATE)
    outcomes = rows_frame(
        Outcome.objects.filter(**spell_filter).values_list("spell_id", "unemployed_12m"),
        ["spell", "outcome"],
    )
    return frame.merge(outcomes, on="spell", how="left")


def _judgements(jobcenter: Jobcenter, window: Window, spell_ids=None) -> pd.DataFrame:
    """The jobcenter's judgements made in the window, or (``spell_ids``) every judgement
    of those spells, whenever it was made.

    A judgement made before the estimate was shown (judgement first) that the
    caseworker followed with an answer once it was shown counts as that answer: agree,
    or disagree with its reason, about the estimate then shown. "not_seen" is left for
    the judgements never followed by one."""
    judgements = Judgement.objects.filter(jobcenter=jobcenter)
    if spell_ids is not None:
        judgements = judgements.filter(spell_id__in=list(spell_ids))
    else:
        judgements = judgements.filter(**window.datetimes("created_at"))
    frame = rows_frame(
        judgements.order_by("id").values_list(
            "id",
            "spell_id",
            "spell__team_id",
            "spell__benefit_type",
            "created_at",
            "agreement",
            "reason_category",
            "risk_band",
            "estimate__band",
            "reveal_answer__agreement",
            "reveal_answer__reason_category",
            "reveal_answer__estimate__band",
        ),
        [
            "id",
            "spell",
            "team",
            "benefit",
            "created_at",
            "agreement",
            "reason",
            "risk_band",
            "estimate_band",
            "answer",
            "answer_reason",
            "answer_band",
        ],
    )
    return _with_answers_after_reveal(frame)


def _with_answers_after_reveal(frame: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return frame.drop(columns=["answer", "answer_reason", "answer_band"])
    answered = frame["answer"].notna()
    frame.loc[answered, "agreement"] = frame.loc[answered, "answer"]
    frame.loc[answered, "reason"] = frame.loc[answered, "answer_reason"]
    frame.loc[answered, "estimate_band"] = frame.loc[answered, "answer_band"]
    return frame.drop(columns=["answer", "answer_reason", "answer_band"])


def _count(frame: pd.DataFrame, category: str | None = None) -> pd.DataFrame:
    columns = ["team", "benefit", "month"] + ([category] if category else [])
    if not len(frame):
        return pd.DataFrame(columns=["team", "benefit", "month", "category", "n"])
    counted = frame.groupby(columns, dropna=False).size().rename("n").reset_index()
    return counted.rename(columns={category: "category"}) if category else counted


def _right(band: pd.Series, outcome: pd.Series) -> pd.Series:
    """right / wrong / medium: high was right when still unemployed, low when not."""
    unemployed = outcome.astype(bool)
    return pd.Series(
        np.select(
            [band.eq("medium"), (band.eq("high") & unemployed) | (band.eq("low") & ~unemployed)],
            ["medium", "right"],
            "wrong",
        ),
        index=band.index,
    )


def history_facts(jobcenter: Jobcenter, window: Window, team_names: dict[str, int]) -> dict:
    """Every measure's facts in the window."""
    facts: dict[str, pd.DataFrame] = {}
    spells = _spells(jobcenter, window)
    judgements = _judgements(jobcenter, window)
    if len(judgements):
        judgements["month"] = _month_of_datetime(judgements["created_at"])
    facts["judgements"] = _count(judgements, "agreement")
    disagreements = (
        judgements[judgements["agreement"] == "disagree"] if len(judgements) else judgements
    )
    facts["disagreement_reasons"] = _count(disagreements, "reason")
    facts["risk_bands"] = _count(spells, "band")

    realised = spells[spells["outcome"].notna()] if len(spells) else spells
    scored = realised[realised["band"].isin(BANDS)] if len(realised) else realised
    by_estimate = _count(scored, "band")
    if len(scored):
        by_estimate["k"] = (
            scored.groupby(["team", "benefit", "month", "band"], dropna=False)["outcome"]
            .sum()
            .astype(int)
            .to_numpy()
        )
        facts["model_right"] = _count(
            scored.assign(right=_right(scored["band"], scored["outcome"])), "right"
        )
    else:
        facts["model_right"] = by_estimate
    facts["outcome_by_estimate"] = by_estimate

    # The newest judgement of each spell, beside the spell's outcome: was the
    # caseworker's own band right, and when they disagreed, who turned out right.
    # A one-month run counts outcomes by the month of assessment, so it needs every
    # judgement of that month's spells, also those made in a later month.
    of_spells = (
        judgements
        if window.first is None or not len(spells)
        else _judgements(jobcenter, window, spell_ids=spells["spell"])
    )
    if len(of_spells) and len(spells):
        newest = of_spells.drop_duplicates("spell", keep="last")
        judged = newest.drop(columns=["team", "benefit", "month"], errors="ignore").merge(
            spells[["spell", "team", "benefit", "month", "outcome"]], on="spell"
        )
        judged = judged[judged["outcome"].notna()]
    else:
        judged = pd.DataFrame(columns=["team", "benefit", "month", "risk_band", "outcome"])
    by_judgement = _count(judged, "risk_band")
    if len(judged):
        by_judgement["k"] = (
            judged.groupby(["team", "benefit", "month", "risk_band"], dropna=False)["outcome"]
            .sum()
            .astype(int)
            .to_numpy()
        )
        judged = judged.assign(right=_right(judged["risk_band"], judged["outcome"]))
        facts["caseworker_right"] = _count(judged, "right")
        disagreed = judged[(judged["agreement"] == "disagree") & judged["estimate_band"].notna()]
        model_right = _right(disagreed["estimate_band"], disagreed["outcome"]).eq("right")
        caseworker_right = disagreed["right"].eq("right")
        disagreed = disagreed.assign(
            who=np.select(
                [caseworker_right & ~model_right, model_right & ~caseworker_right],
                ["caseworker", "model"],
                "neither",
            )
        )
        for reason in REASONS:
            facts[f"disagreement_outcome:{reason}"] = _count(
                disagreed[disagreed["reason"] == reason], "who"
            )
    facts["outcome_by_judgement"] = by_judgement

    objections = rows_frame(
        Objection.objects.filter(jobcenter=jobcenter, **window.dates("received_on")).values_list(
            "citizen_id", "received_on"
        ),
        ["citizen", "received_on"],
    )
    if len(objections):
        # An objection is the citizen's; it counts where the citizen's newest spell is.
        citizens = rows_frame(
            Spell.objects.filter(jobcenter=jobcenter, citizen_id__in=objections["citizen"])
            .order_by("start_date")
            .values_list("citizen_id", "team_id", "benefit_type"),
            ["citizen", "team", "benefit"],
        ).drop_duplicates("citizen", keep="last")
        objections = objections.merge(citizens, on="citizen", how="left")
        objections["month"] = _month_of_date(objections["received_on"])
    facts["objections"] = _count(objections)

    corrections = rows_frame(
        AssessmentSnapshot.objects.filter(
            spell__jobcenter=jobcenter, corrects__isnull=False, **window.datetimes("created_at")
        ).values_list("spell__team_id", "spell__benefit_type", "created_at"),
        ["team", "benefit", "created_at"],
    )
    if len(corrections):
        corrections["month"] = _month_of_datetime(corrections["created_at"])
    facts["corrections"] = _count(corrections)

    events = rows_frame(
        AuditEvent.objects.filter(
            jobcenter_id=jobcenter.pk,
            action__in=[AuditAction.CITIZEN_VIEW, AuditAction.BREAK_GLASS],
            **window.datetimes("occurred_at"),
        )
        .annotate(month=TruncMonth("occurred_at"))
        .values("action", "team", "month")
        .annotate(n=Count("id"))
        .values_list("action", "team", "month", "n"),
        ["action", "team_name", "month", "n"],
    )
    if len(events):
        events["month"] = _month_of_datetime(events["month"])
        events["team"] = events["team_name"].map(team_names)
        events["benefit"] = ""
    for measure, action in (
        ("lookups", AuditAction.CITIZEN_VIEW),
        ("break_glass", AuditAction.BREAK_GLASS),
    ):
        chosen = events[events["action"] == action] if len(events) else events
        facts[measure] = (
            chosen.groupby(["team", "benefit", "month"], dropna=False)["n"].sum().reset_index()
            if len(chosen)
            else _count(chosen)
        )
    return facts


def open_band_facts(jobcenter: Jobcenter) -> pd.DataFrame:
    """Open spells now, by the band of their newest estimate (not kept month by month)."""
    open_spells = rows_frame(
        Spell.objects.filter(jobcenter=jobcenter, end_date__isnull=True, snapshots__isnull=False)
        .distinct()
        .values_list("id", "team_id", "benefit_type"),
        ["spell", "team", "benefit"],
    )
    estimates = rows_frame(
        Estimate.objects.filter(
            spell__jobcenter=jobcenter, spell__end_date__isnull=True
        ).values_list("spell_id", "id", "band"),
        ["spell", "id", "band"],
    )
    newest = estimates.sort_values("id").drop_duplicates("spell", keep="last")
    frame = open_spells.merge(newest[["spell", "band"]], on="spell", how="left")
    frame["band"] = frame["band"].fillna("").replace("", NO_ESTIMATE)
    frame["month"] = None
    return _count(frame, "band")


# -- Stored cells back into facts (for a one-month run) ----------------------------------


def stored_facts(jobcenter: Jobcenter, *, except_month: datetime.date) -> dict:
    """The base facts of every month but one, read back from the stored cells (the
    entries of one team or the pool, one benefit type, one month and one category)."""
    rows = (
        SummaryCell.objects.filter(jobcenter=jobcenter, month__isnull=False)
        .exclude(scope=SummaryCell.Scope.TOTAL)
        .exclude(month=except_month)
        .values_list(
            "measure", "scope", "team_id", "benefit_type", "month", "category", "n", "k", "s"
        )
    )
    frame = rows_frame(
        rows, ["measure", "scope", "team", "benefit", "month", "category", "n", "k", "s"]
    )
    facts = {}
    for measure, spec in MEASURES.items():
        part = frame[frame["measure"] == measure]
        if spec.get("categories") is not None:
            part = part[part["category"] != ""]
        if spec.get("benefits", True):
            part = part[part["benefit"] != ""]
        facts[measure] = part.drop(columns=["measure", "scope"])
    return facts


def jobcenter_team_scopes(jobcenter: Jobcenter) -> tuple[list[int], list[int], dict[str, int]]:
    teams = list(Team.objects.filter(jobcenter=jobcenter).values_list("id", "name"))
    caseworkers = dict.fromkeys((t for t, _ in teams), 0)
    for team_id, n in (
        Team.objects.filter(
            jobcenter=jobcenter,
            members__is_active=True,
            members__groups__name=Role.CASEWORKER.value,
        )
        .values("id")
        .annotate(n=Count("members", distinct=True))
        .values_list("id", "n")
    ):
        caseworkers[team_id] = n
    shown, pooled = team_scopes(caseworkers)
    return shown, pooled, {name: team_id for team_id, name in teams}


def since_use_began(facts: dict) -> dict:
    """Leaves out the months before the first estimate or judgement: the spells
    assessed before the system was in use have no estimate, and would fill the tables
    with months of "no estimate"."""
    starts = []
    bands = facts.get("risk_bands")
    if bands is not None and len(bands):
        starts += list(bands.loc[bands["category"] != NO_ESTIMATE, "month"].dropna())
    judgements = facts.get("judgements")
    if judgements is not None and len(judgements):
        starts += list(judgements["month"].dropna())
    if not starts:
        return facts
    first = min(starts)

    def keep(month) -> bool:
        return not isinstance(month, datetime.date) or month >= first

    return {
        measure: frame[frame["month"].map(keep).astype(bool)]
        if len(frame) and "month" in frame
        else frame
        for measure, frame in facts.items()
    }


def months_of(facts: dict) -> list[datetime.date]:
    months = set()
    for frame in facts.values():
        if len(frame) and "month" in frame:
            months.update(m for m in frame["month"].dropna().unique())
    return sorted(months)
