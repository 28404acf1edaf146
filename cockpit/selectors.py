"""Reads for the managers' pages, already limited to what the user may see: their own
jobcenter's summary cells for one team (or the whole jobcenter) and benefit type, the
newest finished run's reports, the run in progress, and the model in force."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from cockpit.facts import MEASURES
from cockpit.models import SummaryCell, SummaryRun
from jobcenter.models import Role, Team
from prediction.models import ModelStatus, ModelVersion
from prediction.selectors import scoring_control

__all__ = ["CockpitData", "cockpit_data_for_user", "is_manager"]


def is_manager(user) -> bool:
    return user.has_role(Role.MANAGER) and user.jobcenter_id is not None


@dataclass(frozen=True)
class Filters:
    first: datetime.date | None = None
    last: datetime.date | None = None
    team_id: int | None = None
    benefit_type: str = ""


@dataclass
class CockpitData:
    run: SummaryRun | None
    pending: SummaryRun | None
    filters: Filters
    teams: list[Team]
    months: list[datetime.date]
    # measure -> month (None: all months) -> category ("" total) -> cell
    cells: dict = field(default_factory=dict)
    model: ModelVersion | None = None
    scoring_paused: bool = False
    pause_reason: str = ""

    @property
    def reports(self) -> dict:
        return self.run.reports if self.run else {}

    def cell(self, measure: str, month, category: str = "") -> SummaryCell | None:
        return self.cells.get(measure, {}).get(month, {}).get(category)

    @property
    def months_shown(self) -> list[datetime.date]:
        f = self.filters
        return [
            m
            for m in self.months
            if (f.first is None or m >= f.first) and (f.last is None or m <= f.last)
        ]


def cockpit_data_for_user(*, user, filters: Filters | Callable) -> CockpitData | None:
    """Everything the cockpit shows for ``filters`` in six queries; ``None`` for a user
    who is not a manager of a jobcenter. ``filters`` may be a function of the months and
    teams the figures have (a form's choices), returning the filters."""
    if not is_manager(user):
        return None
    jobcenter_id = user.jobcenter_id
    runs = list(
        SummaryRun.objects.filter(jobcenter_id=jobcenter_id)
        .exclude(state=SummaryRun.State.FAILED)
        .order_by("-created_at")[:2]
    )
    pending = next((r for r in runs if not r.is_finished), None)
    run = (
        SummaryRun.objects.filter(jobcenter_id=jobcenter_id, state=SummaryRun.State.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )
    reports = run.reports if run else {}
    shown = set((reports.get("teams") or {}).get("shown") or [])
    teams = [
        t for t in Team.objects.filter(jobcenter_id=jobcenter_id).order_by("name") if t.pk in shown
    ]
    months = [datetime.date.fromisoformat(m) for m in reports.get("months") or []]
    if callable(filters):
        filters = filters(months, teams)
    if filters.team_id is not None and filters.team_id not in shown:
        filters = Filters(filters.first, filters.last, None, filters.benefit_type)
    data = CockpitData(run=run, pending=pending, filters=filters, teams=teams, months=months)
    if run is not None:
        scope = (
            {"scope": SummaryCell.Scope.TEAM, "team_id": filters.team_id}
            if filters.team_id is not None
            else {"scope": SummaryCell.Scope.TOTAL, "team_id": None}
        )
        cells = SummaryCell.objects.filter(
            jobcenter_id=jobcenter_id, benefit_type__in={filters.benefit_type, ""}, **scope
        ).only("measure", "benefit_type", "month", "category", "n", "k", "s", "hidden")
        for cell in cells:
            # Measures not split by benefit type have only "" cells; the others use
            # the filter's (where "" is every benefit type).
            if cell.benefit_type != filters.benefit_type and cell.measure not in _NOT_BY_BENEFIT:
                continue
            data.cells.setdefault(cell.measure, {}).setdefault(cell.month, {})[cell.category] = cell
        model_info = reports.get("model") or {}
        if model_info.get("specification_id"):
            # The version in force now, which may be newer than the figures.
            data.model = (
                ModelVersion.objects.defer("artifact")
                .select_related("specification", "trained_by", "reviewed_by")
                .filter(
                    jobcenter_id=jobcenter_id,
                    specification_id=model_info["specification_id"],
                    status=ModelStatus.ACTIVE,
                )
                .first()
            )
    control = scoring_control(jobcenter_id=jobcenter_id)
    data.scoring_paused, data.pause_reason = control.scoring_paused, control.pause_reason
    return data


# Measures not split by benefit type (counted from the audit log), as facts.MEASURES says.
_NOT_BY_BENEFIT = {m for m, spec in MEASURES.items() if spec.get("benefits") is False}
