"""``manage.py cockpit_summary [--jobcenter CODE] [--month YYYY-MM]``: computes the
managers' summary tables now, for one jobcenter or all, for every month or one."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cockpit.models import SummaryRun
from cockpit.summaries import summary_run_execute
from jobcenter.models import Jobcenter


class Command(BaseCommand):
    help = "Computes the cockpit's summary tables (all months, or one with --month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jobcenter", help="municipality code (default: every jobcenter)")
        parser.add_argument("--month", help="only this month, YYYY-MM")

    def handle(self, *args, jobcenter=None, month=None, **options):
        day = None
        if month:
            try:
                day = datetime.datetime.strptime(month, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError(f"--month: expected YYYY-MM, got {month!r}") from exc
        jobcenters = Jobcenter.objects.order_by("name")
        if jobcenter:
            jobcenters = jobcenters.filter(municipality_code=jobcenter)
            if not jobcenters.exists():
                raise CommandError(f"no jobcenter with municipality code {jobcenter!r}")
        failed = False
        for center in jobcenters:
            run = SummaryRun.objects.create(jobcenter=center, month=day)
            run = summary_run_execute(run_id=run.pk)
            seconds = (run.finished_at - run.started_at).total_seconds() if run.started_at else 0
            self.stdout.write(f"{center.name}: {run.state} in {seconds:.1f} s {run.message}")
            failed |= run.state != SummaryRun.State.SUCCEEDED
        if failed:
            raise CommandError("at least one summary run failed")
