"""``manage.py demo_setup [--spells N] [--seed S]``: what ``make run`` calls. The first
time it generates the demo municipality and trains, approves and activates a first
model; afterwards it only makes sure the demo logins work and a model is active. Either
way it prints the logins. Refuses under production settings."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casework.demo.loading import demo_data_create, demo_jobcenter_get
from casework.demo.model import demo_model_ensure
from casework.demo.staff import DEMO_LOGINS, DemoDataRefused, demo_logins_ensure

DEFAULT_DEMO_PASSWORD = "demo-jobcenter-2026"


class Command(BaseCommand):
    help = "Demo data (once), the demo logins, and a list of them to log in with."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--spells", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, spells: int, seed: int, **options):
        if spells < 1:
            raise CommandError("--spells must be at least 1")
        try:
            jobcenter = demo_jobcenter_get()
            if jobcenter is None:
                self.stdout.write(f"Generating demo data: {spells:,} spells, seed {seed} ...")
                summary = demo_data_create(
                    spells=spells, seed=seed, today=timezone.localdate(), progress=self.stdout.write
                )
                jobcenter = summary.jobcenter
            else:
                self.stdout.write(f"{jobcenter.name} already has demo data; leaving it alone.")
                for change in demo_logins_ensure(jobcenter=jobcenter):
                    self.stdout.write(f"  {change}")
            demo_model_ensure(say=self.stdout.write)
        except DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("\nDemo logins (http://127.0.0.1:8000/):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<12} {login.role.label}")
        password_note = (
            " (the default; set DEMO_PASSWORD to change it)"
            if settings.DEMO_PASSWORD == DEFAULT_DEMO_PASSWORD
            else " (from DEMO_PASSWORD)"
        )
        self.stdout.write(f"  password:    {settings.DEMO_PASSWORD}{password_note}")
        if not settings.TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "  Two factors are off in the demo (TWO_FACTOR_REQUIRED=false), so the password\n"
                "  alone lets you in. In production every user sets up an authenticator app at\n"
                "  the first login; try it here under 'Totrinsbekræftelse' (/account/).\n"
            )
