"""``manage.py generate_demo_data --spells N --seed S [--today YYYY-MM-DD]``: a fictional
municipality with N spells of history, deterministic for the seed and the date. The work
lives in ``casework.demo``; see ``docs/synthetic-data.md``."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casework.demo.loading import DemoSummary, demo_data_create
from casework.demo.staff import DemoDataRefused


def parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--today must be a date YYYY-MM-DD, got {text!r}") from exc


def summary_lines(summary: DemoSummary) -> list[str]:
    counts = summary.counts
    lines = [
        f"{summary.jobcenter.name}: demo data for seed {summary.seed}, today "
        f"{summary.today.isoformat()}, written in {summary.seconds:.1f} s",
        "  " + ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in counts.items()),
        "  Still on benefits 12 months after meeting 2 (closed spells): "
        + ", ".join(f"{name} {rate:.0%}" for name, rate in summary.base_rates.items()),
    ]
    return lines


class Command(BaseCommand):
    help = "Generates a fictional municipality's citizens, spells, snapshots and outcomes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--spells", type=int, default=20_000, help="number of spells")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--today",
            type=parse_day,
            default=None,
            help="the date the data end on, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, spells: int, seed: int, today: datetime.date | None, **options):
        if spells < 1:
            raise CommandError("--spells must be at least 1")
        try:
            summary = demo_data_create(
                spells=spells,
                seed=seed,
                today=today or timezone.localdate(),
                progress=self.stdout.write,
            )
        except DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        for line in summary_lines(summary):
            self.stdout.write(line)
