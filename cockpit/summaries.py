"""Computing a jobcenter's summary tables: the one place the cockpit reads raw history.

:func:`summary_run_execute` reads casework (spells, snapshots, estimates, judgements,
objections, corrections), prediction (the active version, its drift report) and audit
(lookups and break-the-glass events), turns them into facts (one row per judgement,
spell or event, with team, benefit type, month and category; never the caseworker) and
writes each measure's grid as :class:`~cockpit.models.SummaryCell` rows, with the
jobcenter-wide reports (estimated and realised performance, calibration, fairness,
drift) in the run itself, and raises or resolves the alerts.

A page then reads only these rows. A run for one month (``month``) reads raw history of
that month only and recomputes every measure's grid from the stored cells of the other
months and the fresh ones (hiding depends on all months, through their totals).
"""

from __future__ import annotations

import datetime
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
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
from cockpit.alerts import alerts_update, alerts_wanted
from cockpit.estimation import estimated_performance, realised_performance
from cockpit.grid import measure_grid, team_scopes
from cockpit.models import SummaryCell, SummaryRun
from cockpit.suppression import THRESHOLD, suppression_mask
from jobcenter.models import Jobcenter, Role, Team
from prediction.drift import drift_status
from prediction.metrics import calibration_table, group_metrics
from prediction.models import DriftReport, ModelStatus, ModelVersion

logger = logging.getLogger(__name__)

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


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


@dataclass
class _Window:
    """The raw history one run reads: everything, or one month."""

    first: datetime.date | None = None
    last: datetime.date | None = None  # exclusive

    @classmethod
    def for_month(cls, month: datetime.date | None) -> _Window:
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


# -- Reading raw history into facts ---------------------------------------------------------


def _spells(jobcenter: Jobcenter, window: _Window) -> pd.DataFrame:
    """One row per spell assessed (it has an original snapshot), with its team, benefit
    type, month of assessment, the band and probability of its newest estimate, its
    newest judgement and its outcome."""
    snapshots = _frame(
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
    estimates = _frame(
        Estimate.objects.filter(**spell_filter).values_list(
            "spell_id", "id", "band", "probability", "model_version_id"
        ),
        ["spell", "id", "band", "probability", "version"],
    )
    newest = estimates.sort_values("id").drop_duplicates("spell", keep="last")
    frame = snapshots.merge(newest.drop(columns="id"), on="spell", how="left")
    frame["band"] = frame["band"].fillna("").replace("", NO_ESTIMATE)
    outcomes = _frame(
        Outcome.objects.filter(**spell_filter).values_list("spell_id", "unemployed_12m"),
        ["spell", "outcome"],
    )
    return frame.merge(outcomes, on="spell", how="left")


def _judgements(jobcenter: Jobcenter, window: _Window, spell_ids=None) -> pd.DataFrame:
    """The jobcenter's judgements made in the window, or (``spell_ids``) every judgement
    of those spells, whenever it was made."""
    judgements = Judgement.objects.filter(jobcenter=jobcenter)
    if spell_ids is not None:
        judgements = judgements.filter(spell_id__in=list(spell_ids))
    else:
        judgements = judgements.filter(**window.datetimes("created_at"))
    return _frame(
        judgements.order_by("id")
        .values_list(
            "id",
            "spell_id",
            "spell__team_id",
            "spell__benefit_type",
            "created_at",
            "agreement",
            "reason_category",
            "risk_band",
            "estimate__band",
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
        ],
    )


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


def _facts(jobcenter: Jobcenter, window: _Window, team_names: dict[str, int]) -> dict:
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

    objections = _frame(
        Objection.objects.filter(jobcenter=jobcenter, **window.dates("received_on")).values_list(
            "citizen_id", "received_on"
        ),
        ["citizen", "received_on"],
    )
    if len(objections):
        # An objection is the citizen's; it counts where the citizen's newest spell is.
        citizens = _frame(
            Spell.objects.filter(jobcenter=jobcenter, citizen_id__in=objections["citizen"])
            .order_by("start_date")
            .values_list("citizen_id", "team_id", "benefit_type"),
            ["citizen", "team", "benefit"],
        ).drop_duplicates("citizen", keep="last")
        objections = objections.merge(citizens, on="citizen", how="left")
        objections["month"] = _month_of_date(objections["received_on"])
    facts["objections"] = _count(objections)

    corrections = _frame(
        AssessmentSnapshot.objects.filter(
            spell__jobcenter=jobcenter, corrects__isnull=False, **window.datetimes("created_at")
        ).values_list("spell__team_id", "spell__benefit_type", "created_at"),
        ["team", "benefit", "created_at"],
    )
    if len(corrections):
        corrections["month"] = _month_of_datetime(corrections["created_at"])
    facts["corrections"] = _count(corrections)

    events = _frame(
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


def _open_band_facts(jobcenter: Jobcenter) -> pd.DataFrame:
    """Open spells now, by the band of their newest estimate (not kept month by month)."""
    open_spells = _frame(
        Spell.objects.filter(jobcenter=jobcenter, end_date__isnull=True, snapshots__isnull=False)
        .distinct()
        .values_list("id", "team_id", "benefit_type"),
        ["spell", "team", "benefit"],
    )
    estimates = _frame(
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


def _stored_facts(jobcenter: Jobcenter, *, except_month: datetime.date) -> dict:
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
    frame = _frame(
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


# -- Jobcenter-wide reports ---------------------------------------------------------------


def _active_version(jobcenter: Jobcenter) -> ModelVersion | None:
    """The active version of the specification this jobcenter's snapshots use most."""
    used = (
        AssessmentSnapshot.objects.filter(spell__jobcenter=jobcenter)
        .values("specification_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("specification_id", flat=True)[:1]
    )
    return (
        ModelVersion.objects.defer("artifact")
        .select_related("specification")
        .filter(specification_id__in=list(used), status=ModelStatus.ACTIVE)
        .first()
    )


def _threshold(version: ModelVersion) -> float:
    return float(version.metrics.get("threshold") or version.band_cutoffs[1])


def _hidden_counts(counts: list[int]) -> list[bool]:
    """Primary and secondary suppression on one line of counts and its total."""
    if not counts:
        return []
    line = np.asarray([*counts, sum(counts)], dtype=np.int64)
    return [bool(h) for h in suppression_mask(line)[:-1]]


def _fairness(version: ModelVersion, jobcenter: Jobcenter, threshold: float) -> dict:
    specification = version.specification.specification
    names = [feature.name for feature in specification.protected]
    rows = Estimate.objects.filter(
        model_version=version,
        spell__jobcenter=jobcenter,
        spell__outcome__isnull=False,
        probability__isnull=False,
    )
    frame = _frame(
        rows.values_list(
            "probability",
            "spell__outcome__unemployed_12m",
            *[f"snapshot__values__{name}__value" for name in names],
        ),
        ["p", "y", *names],
    )
    result = {"n": int(len(frame)), "threshold": threshold, "attributes": {}}
    if len(frame) < 2 or not names:
        return result
    groups, differences = group_metrics(
        y_true=frame["y"].astype(int).to_numpy(),
        probability=frame["p"].to_numpy(dtype=float),
        threshold=threshold,
        protected=frame[names],
    )
    for feature in specification.protected:
        by_group = groups.get(feature.name, {})
        ordered = sorted(by_group.items(), key=lambda item: -item[1]["n"])
        hidden = _hidden_counts([entry["n"] for _, entry in ordered])
        result["attributes"][feature.name] = {
            "label_da": feature.label("da"),
            "label_en": feature.label("en"),
            "groups": [
                {
                    "value": value,
                    "label_da": feature.value_label(value, "da")
                    if value != "missing"
                    else "ukendt",
                    "label_en": feature.value_label(value, "en")
                    if value != "missing"
                    else "unknown",
                    "hidden": hide or entry["n"] < THRESHOLD,
                    **({} if hide or entry["n"] < THRESHOLD else entry),
                }
                for (value, entry), hide in zip(ordered, hidden, strict=True)
            ],
            "differences": differences.get(feature.name, {}),
        }
    return result


def _calibration(y: np.ndarray, p: np.ndarray) -> list[dict]:
    rows = calibration_table(y_true=y, probability=p, bins=10) if len(y) else []
    hidden = _hidden_counts([row["n"] for row in rows])
    return [
        {"bin_low": r["bin_low"], "bin_high": r["bin_high"], "hidden": True}
        if hide
        else {**r, "hidden": False}
        for r, hide in zip(rows, hidden, strict=True)
    ]


def _drift(version: ModelVersion) -> dict | None:
    report = DriftReport.objects.filter(model_version=version).order_by("-computed_at").first()
    if report is None:
        return None
    labels = {
        f.name: (f.label("da"), f.label("en")) for f in version.specification.specification.inputs
    }
    features = sorted(
        (
            {
                "name": name,
                "label_da": labels.get(name, (name, name))[0],
                "label_en": labels.get(name, (name, name))[1],
                "psi": entry.get("psi"),
                "status": drift_status(
                    entry.get("psi") if entry.get("psi") is not None else math.nan
                ),
            }
            for name, entry in report.features.items()
        ),
        key=lambda row: (
            -(row["psi"] if row["psi"] is not None and row["psi"] == row["psi"] else -1)
        ),
    )
    return {
        "computed_at": report.computed_at.isoformat(),
        "n_current": report.n_current,
        "max_psi": report.max_psi,
        "features": features,
    }


def _performance(version: ModelVersion, jobcenter: Jobcenter) -> tuple[dict, dict]:
    """(performance, calibration) of the active version on this jobcenter's spells."""
    threshold = _threshold(version)
    realised = _frame(
        Estimate.objects.filter(
            model_version=version,
            spell__jobcenter=jobcenter,
            spell__outcome__isnull=False,
            probability__isnull=False,
        ).values_list("probability", "spell__outcome__unemployed_12m"),
        ["p", "y"],
    )
    current = np.fromiter(
        Estimate.objects.filter(
            model_version=version,
            spell__jobcenter=jobcenter,
            spell__end_date__isnull=True,
            probability__isnull=False,
        ).values_list("probability", flat=True),
        dtype=np.float64,
    )
    y = realised["y"].astype(int).to_numpy() if len(realised) else np.zeros(0, dtype=int)
    p = realised["p"].to_numpy(dtype=float) if len(realised) else np.zeros(0)
    card = version.metrics or {}
    performance = {
        "version": version.number,
        "version_id": version.pk,
        "threshold": threshold,
        "card": {
            "accuracy": card.get("accuracy"),
            "auc": card.get("auc"),
            "majority_accuracy": card.get("majority_accuracy"),
            "n_test": version.n_test,
        },
        "estimated": estimated_performance(current, threshold=threshold),
        "realised": realised_performance(y, p, threshold=threshold),
    }
    return performance, {"rows": _calibration(y, p), "n": int(len(y))}


def _model_in_force(version: ModelVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "version_id": version.pk,
        "number": version.number,
        "specification_id": version.specification_id,
    }


# -- The run ---------------------------------------------------------------------------------


def _team_scopes(jobcenter: Jobcenter) -> tuple[list[int], list[int], dict[str, int]]:
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


def _since_use_began(facts: dict) -> dict:
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


def _months(facts: dict) -> list[datetime.date]:
    months = set()
    for frame in facts.values():
        if len(frame) and "month" in frame:
            months.update(m for m in frame["month"].dropna().unique())
    return sorted(months)


def _progress(run_id: int, percent: int, message: str) -> None:
    SummaryRun.objects.filter(pk=run_id).update(progress=percent, message=message)


def summary_compute(
    *, jobcenter: Jobcenter, month: datetime.date | None = None, progress: Callable | None = None
) -> tuple[list[dict], dict, ModelVersion | None]:
    """Every measure's cells and the reports of one jobcenter (nothing written)."""
    say = progress or (lambda percent, message: None)
    shown, pooled, team_names = _team_scopes(jobcenter)
    say(10, "reading history")
    window = _Window.for_month(month)
    facts = _facts(jobcenter, window, team_names)
    if month is not None:
        stored = _stored_facts(jobcenter, except_month=month.replace(day=1))
        for measure, frame in stored.items():
            fresh = facts.get(measure)
            facts[measure] = (
                frame
                if fresh is None or not len(fresh)
                else pd.concat([frame, fresh], ignore_index=True)
            )
    facts["open_bands"] = _open_band_facts(jobcenter)
    facts = _since_use_began(facts)
    months = _months(facts)
    say(50, "summing and hiding small cells")
    cells = []
    for measure, spec in MEASURES.items():
        frame = facts.get(measure)
        if frame is None:
            frame = pd.DataFrame(columns=["team", "benefit", "month", "category", "n"])
        grid = measure_grid(
            measure,
            frame,
            shown_teams=shown,
            benefits=BENEFITS if spec.get("benefits", True) else None,
            months=months if spec.get("months", True) else None,
            categories=spec.get("categories"),
        )
        cells.extend(grid.cells())
    say(70, "model performance and fairness")
    version = _active_version(jobcenter)
    reports: dict = {
        "months": [m.isoformat() for m in months],
        "teams": {"shown": shown, "pooled": len(pooled)},
        "model": _model_in_force(version),
        "performance": None,
        "calibration": None,
        "fairness": None,
        "drift": None,
        "fairness_gap_threshold": settings.COCKPIT_FAIRNESS_GAP,
    }
    if version is not None:
        reports["performance"], reports["calibration"] = _performance(version, jobcenter)
        reports["fairness"] = _fairness(version, jobcenter, _threshold(version))
        reports["drift"] = _drift(version)
    return cells, reports, version


def summary_run_request(*, jobcenter: Jobcenter, user=None, month=None) -> SummaryRun:
    """A queued run for the jobcenter, or the one already queued or running."""
    from cockpit.tasks import cockpit_summary_task

    with transaction.atomic():
        pending = (
            SummaryRun.objects.select_for_update()
            .filter(
                jobcenter=jobcenter, state__in=[SummaryRun.State.QUEUED, SummaryRun.State.RUNNING]
            )
            .first()
        )
        if pending is not None:
            return pending
        run = SummaryRun.objects.create(jobcenter=jobcenter, requested_by=user, month=month)
        from audit.services import audit_record

        audit_record(
            action=AuditAction.COCKPIT_REFRESH,
            user=user,
            jobcenter_id=jobcenter.pk,
            object_type="summary_run",
            object_id=str(run.pk),
            details={"month": month.isoformat() if month else None},
        )
        transaction.on_commit(lambda: cockpit_summary_task.delay(run_id=run.pk))
    return run


def summary_run_execute(*, run_id: int) -> SummaryRun:
    """Computes the run's jobcenter and replaces its cells, reports and alerts in one
    transaction; a failure leaves the previous figures in place and says why."""
    run = SummaryRun.objects.select_related("jobcenter").get(pk=run_id)
    if run.is_finished:
        return run
    SummaryRun.objects.filter(pk=run_id).update(
        state=SummaryRun.State.RUNNING, started_at=timezone.now(), progress=5, message="started"
    )
    try:
        cells, reports, version = summary_compute(
            jobcenter=run.jobcenter,
            month=run.month,
            progress=lambda percent, message: _progress(run_id, percent, message),
        )
        _progress(run_id, 90, "saving")
        with transaction.atomic():
            SummaryCell.objects.filter(jobcenter=run.jobcenter).delete()
            SummaryCell.objects.bulk_create(
                (SummaryCell(jobcenter=run.jobcenter, **cell) for cell in cells), batch_size=5_000
            )
            reports["alerts"] = alerts_update(
                jobcenter=run.jobcenter, wanted=alerts_wanted(reports), user=run.requested_by
            )
            SummaryRun.objects.filter(pk=run_id).update(
                state=SummaryRun.State.SUCCEEDED,
                progress=100,
                message="",
                reports=reports,
                finished_at=timezone.now(),
            )
    except Exception as exc:  # the run says why; the old figures stay
        logger.exception("cockpit summary run %s failed", run_id)
        SummaryRun.objects.filter(pk=run_id).update(
            state=SummaryRun.State.FAILED, message=str(exc)[:500], finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


def summary_nightly() -> list[int]:
    """A full run for every jobcenter that has spells (the beat entry)."""
    ran = []
    for jobcenter in Jobcenter.objects.filter(pk__in=Spell.objects.values("jobcenter_id")):
        run = SummaryRun.objects.create(jobcenter=jobcenter)
        summary_run_execute(run_id=run.pk)
        ran.append(run.pk)
    return ran
