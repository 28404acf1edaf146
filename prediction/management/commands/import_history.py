"""``manage.py import_history --spec SPEC.toml FILE.csv [--jobcenter CODE] [--as USERNAME]``:
imports a history file into one jobcenter's training store, described by a feature
specification. The jobcenter is ``--jobcenter`` (a municipality code), else the
``--as`` user's, else the deployment's only one. The work
lives in ``prediction.history.history_import``; see ``docs/model.md``."""

import pathlib

from django.core.management.base import BaseCommand, CommandError

from jobcenter.models import Jobcenter, User
from prediction.history import ImportReport, history_import
from prediction.specification import SpecificationError


def summary_lines(report: ImportReport) -> list[str]:
    name = f"{report.specification_name} v{report.specification_version}"
    lines = []
    if report.specification_registered:
        lines.append(f"Registered specification {name}.")
    first = (
        f"Imported {report.file_name} for {name}: {report.created:,} new, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged"
    )
    if report.ignored_columns:
        first += f"; ignored columns: {', '.join(report.ignored_columns)}"
    lines.append(first)
    if report.changed:
        lines.append("The import is recorded in the audit log.")
    else:
        lines.append(
            "Nothing changed in the training store; the import is recorded in the audit log."
        )
    return lines


def command_jobcenter(*, municipality_code: str | None, user) -> Jobcenter:
    """The jobcenter a command works for: the one named by code, else the user's, else
    the deployment's only one."""
    if municipality_code:
        jobcenter = Jobcenter.objects.filter(municipality_code=municipality_code).first()
        if jobcenter is None:
            raise CommandError(f"No jobcenter with municipality code {municipality_code!r}.")
        if user is not None and user.jobcenter_id != jobcenter.pk:
            raise CommandError(f"{user.get_username()} does not work for {jobcenter}.")
        return jobcenter
    if user is not None and user.jobcenter_id:
        return user.jobcenter
    jobcenters = list(Jobcenter.objects.order_by("pk")[:2])
    if len(jobcenters) != 1:
        raise CommandError(
            "Name the jobcenter with --jobcenter CODE (its municipality code): "
            + ("there is none yet." if not jobcenters else "there is more than one.")
        )
    return jobcenters[0]


class Command(BaseCommand):
    help = "Imports a history file (CSV) into the training store, described by a specification."

    def add_arguments(self, parser):
        parser.add_argument(
            "--spec", required=True, metavar="SPEC.toml", help="the feature specification file"
        )
        parser.add_argument("file", metavar="FILE.csv", help="the history file (CSV, UTF-8)")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="the user the import is recorded for (default: recorded as the system)",
        )
        parser.add_argument(
            "--jobcenter",
            dest="municipality_code",
            default=None,
            metavar="CODE",
            help="the municipality code of the jobcenter whose history this is",
        )

    def handle(self, *args, spec, file, username, municipality_code=None, **options):
        try:
            source_toml = pathlib.Path(spec).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read the specification {spec}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"The specification {spec} is not UTF-8 text.") from exc
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
        jobcenter = command_jobcenter(municipality_code=municipality_code, user=user)
        path = pathlib.Path(file)
        try:
            with path.open("rb") as csv_file:
                report = history_import(
                    source_toml=source_toml,
                    csv_file=csv_file,
                    file_name=path.name,
                    jobcenter_id=jobcenter.pk,
                    user=user,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except SpecificationError as exc:
            details = "\n".join(f"  {error}" for error in exc.errors)
            raise CommandError(f"The specification {spec} was refused:\n{details}") from exc

        if not report.imported:
            for error in report.errors:
                self.stderr.write(str(error))
            if report.unreported_errors:
                self.stderr.write(f"... and {report.unreported_errors:,} more errors")
            count = report.error_count
            raise CommandError(
                f"Nothing was imported: {path.name} has {count:,} error{'s' if count != 1 else ''}."
            )
        for line in summary_lines(report):
            self.stdout.write(line)
