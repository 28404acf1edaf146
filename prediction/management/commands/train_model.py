"""``manage.py train_model --spec NAME [--jobcenter CODE] [--wait] [--as USERNAME]``:
queues a training run for one jobcenter (on its own training records) for the newest
version of a specification it may use, and prints the run's id; with ``--wait`` it waits
for the run and prints the new model version's id."""

import time

from django.core.management.base import BaseCommand, CommandError

from jobcenter.models import User
from prediction import registry
from prediction.management.commands.import_history import command_jobcenter
from prediction.models import TrainingRun
from prediction.selectors import feature_spec_latest, training_run_get


class Command(BaseCommand):
    help = "Trains a new candidate model version for a feature specification."

    def add_arguments(self, parser):
        parser.add_argument("--spec", required=True, help="the specification's name")
        parser.add_argument("--wait", action="store_true", help="wait for the result")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="the analyst the run is recorded for (default: recorded as the system)",
        )
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait")
        parser.add_argument(
            "--jobcenter",
            dest="municipality_code",
            default=None,
            metavar="CODE",
            help="the municipality code of the jobcenter to train for",
        )

    def handle(self, *args, spec, wait, username, timeout, municipality_code=None, **options):
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
        jobcenter = command_jobcenter(municipality_code=municipality_code, user=user)
        specification = feature_spec_latest(name=spec, jobcenter_id=jobcenter.pk)
        if specification is None:
            raise CommandError(f"No specification named {spec!r}; import one with import_history.")
        try:
            run = registry.training_run_request(
                specification=specification,
                user=user,
                jobcenter_id=jobcenter.pk,
                trigger=TrainingRun.Trigger.COMMAND if user else TrainingRun.Trigger.SCHEDULE,
            )
        except registry.RegistryRefused as exc:
            raise CommandError(str(exc)) from exc
        if not wait:
            self.stdout.write(f"training run {run.pk} queued")
            return
        deadline = time.monotonic() + timeout
        last = None
        while True:
            run = training_run_get(run_id=run.pk, jobcenter_id=jobcenter.pk)
            if (run.progress, run.message) != last:
                last = (run.progress, run.message)
                self.stderr.write(f"{run.progress:3d}% {run.message}")
            if run.is_finished:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"training run {run.pk} still {run.state} after {timeout} s")
            time.sleep(1)
        if run.state == TrainingRun.State.FAILED:
            raise CommandError(f"training failed: {run.message}")
        self.stdout.write(str(run.model_version_id))
