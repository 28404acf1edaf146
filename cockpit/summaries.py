"""Computing a jobcenter's summary tables: the run that reads raw history (through
``cockpit.facts`` and ``cockpit.reports``) so that no page does.

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
from collections.abc import Callable

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from casework.models import Spell
from cockpit.alerts import alerts_update, alerts_wanted
from cockpit.facts import (
    BENEFITS,
    MEASURES,
    Window,
    history_facts,
    jobcenter_team_scopes,
    months_of,
    open_band_facts,
    since_use_began,
    stored_facts,
)
from cockpit.grid import measure_grid
from cockpit.models import SummaryCell, SummaryRun
from cockpit.reports import (
    active_version,
    drift_report,
    fairness_report,
    model_in_force,
    performance_report,
    threshold_of,
)
from jobcenter.background import task_send
from jobcenter.models import Jobcenter
from prediction.models import ModelVersion

logger = logging.getLogger(__name__)


# -- The run ---------------------------------------------------------------------------------


def _progress(run_id: int, percent: int, message: str) -> None:
    SummaryRun.objects.filter(pk=run_id).update(progress=percent, message=message)


def summary_compute(
    *, jobcenter: Jobcenter, month: datetime.date | None = None, progress: Callable | None = None
) -> tuple[list[dict], dict, ModelVersion | None]:
    """Every measure's cells and the reports of one jobcenter (nothing written)."""
    say = progress or (lambda percent, message: None)
    shown, pooled, team_names = jobcenter_team_scopes(jobcenter)
    say(10, "reading history")
    window = Window.for_month(month)
    facts = history_facts(jobcenter, window, team_names)
    if month is not None:
        stored = stored_facts(jobcenter, except_month=month.replace(day=1))
        for measure, frame in stored.items():
            fresh = facts.get(measure)
            facts[measure] = (
                frame
                if fresh is None or not len(fresh)
                else pd.concat([frame, fresh], ignore_index=True)
            )
    facts["open_bands"] = open_band_facts(jobcenter)
    facts = since_use_began(facts)
    months = months_of(facts)
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
    version = active_version(jobcenter)
    reports: dict = {
        "months": [m.isoformat() for m in months],
        "teams": {"shown": shown, "pooled": len(pooled)},
        "model": model_in_force(version),
        "performance": None,
        "calibration": None,
        "fairness": None,
        "drift": None,
        "fairness_gap_threshold": settings.COCKPIT_FAIRNESS_GAP,
    }
    if version is not None:
        reports["performance"], reports["calibration"] = performance_report(version, jobcenter)
        reports["fairness"] = fairness_report(version, jobcenter, threshold_of(version))
        reports["drift"] = drift_report(version)
    return cells, reports, version


def summary_run_request(*, jobcenter: Jobcenter, user=None, month=None) -> SummaryRun:
    """A queued run for the jobcenter, or the one already queued or running; with the
    broker down, ``BackgroundUnavailable`` and nothing kept (no run, no audit event)."""
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
        audit_record(
            action=AuditAction.COCKPIT_REFRESH,
            user=user,
            jobcenter_id=jobcenter.pk,
            object_type="summary_run",
            object_id=str(run.pk),
            details={"month": month.isoformat() if month else None},
        )
        task_send(
            cockpit_summary_task, kwargs={"run_id": run.pk}, on_failure=lambda: _unsent(run.pk)
        )
    return run


def _unsent(run_id: int) -> None:
    SummaryRun.objects.filter(pk=run_id, state=SummaryRun.State.QUEUED).update(
        state=SummaryRun.State.FAILED,
        message="Not sent: the queue (Redis) did not answer.",
        finished_at=timezone.now(),
    )


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
