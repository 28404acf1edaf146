"""``manage.py import_citizens FILE --jobcenter CODE [--dry-run] [--as USERNAME]``:
imports citizens, spells, meetings, snapshots and outcomes from a CSV or JSON file
(docs/imports.md). The work is ``casework.imports.services.records_import``."""

import pathlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from casework.imports.reading import ImportRefused, import_file_read
from casework.imports.services import import_known_columns, records_import
from jobcenter.models import Jobcenter, User


class Command(BaseCommand):
    help = "Imports citizen data (CSV or JSON) for one jobcenter; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the file (CSV or JSON)")
        parser.add_argument(
            "--jobcenter", required=True, metavar="CODE", help="the municipality code"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--as", dest="username", default=None, help="the user the import is recorded for"
        )

    def handle(self, *args, file, jobcenter, dry_run, username, **options):
        translation.activate(settings.LANGUAGE_CODE)
        center = Jobcenter.objects.filter(municipality_code=jobcenter).first()
        if center is None:
            raise CommandError(f"No jobcenter with municipality code {jobcenter!r}.")
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            if user.jobcenter_id != center.pk:
                raise CommandError(f"{username!r} is not staff of jobcenter {jobcenter!r}.")
        path = pathlib.Path(file)
        try:
            if path.stat().st_size > settings.IMPORT_MAX_BYTES:
                content = b"x" * (settings.IMPORT_MAX_BYTES + 1)  # refused before reading
            else:
                content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            read = import_file_read(
                content=content,
                file_name=path.name,
                max_bytes=settings.IMPORT_MAX_BYTES,
                max_rows=settings.IMPORT_MAX_ROWS,
                known_columns=import_known_columns(jobcenter_id=center.pk),
            )
            report = records_import(
                jobcenter=center,
                actor=user,
                records=read.records,
                read=read,
                source="command",
                file_name=path.name,
                dry_run=dry_run,
            )
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        if not report.ok:
            for error in report.errors:
                where = f"linje {error.line}" + (
                    f", kolonne {error.column}" if error.column else ""
                )
                value = f" ({error.value})" if error.value else ""
                self.stderr.write(f"{where}{value}: {error.reason}")
            if report.unreported_errors:
                self.stderr.write(f"... og {report.unreported_errors:,} fejl mere")
            raise CommandError(f"Intet er importeret: {path.name} har {report.error_count:,} fejl.")
        verb = "Ville importere" if dry_run else "Importeret"
        for name, counts in report.counts.items():
            self.stdout.write(
                f"{verb} {name}: {counts.created:,} nye, {counts.updated:,} ændrede, "
                f"{counts.unchanged:,} uændrede"
            )
        if report.ignored_columns:
            self.stdout.write(f"Ignorerede kolonner: {', '.join(report.ignored_columns)}")
