"""``manage.py create_service_account --jobcenter 901 --name sagssystem --days 90``:
a service account for the case system with its first API key, printed once (only its
hash is stored). Audited (``service.account_create``, ``service.key_create``)."""

from django.core.management.base import BaseCommand, CommandError

from jobcenter.models import Jobcenter
from jobcenter.service_accounts import ServiceAccountRefused, service_account_create


class Command(BaseCommand):
    help = "Create a service account for a jobcenter and print its API key once."

    def add_arguments(self, parser):
        parser.add_argument("--jobcenter", required=True, help="municipality code, e.g. 101")
        parser.add_argument("--name", required=True, help="what the account is for")
        parser.add_argument("--days", type=int, default=90, help="how long the key is valid")

    def handle(self, *args, jobcenter, name, days, **options):
        try:
            centre = Jobcenter.objects.get(municipality_code=jobcenter)
        except Jobcenter.DoesNotExist:
            raise CommandError(f"No jobcenter with municipality code {jobcenter!r}") from None
        try:
            issued = service_account_create(jobcenter=centre, name=name, days=days)
        except ServiceAccountRefused as exc:
            raise CommandError(exc.message) from exc
        user = issued.record.user
        self.stdout.write(f"Service account: {user.get_username()} ({centre.name})")
        self.stdout.write(f"Expires: {issued.record.expiry_date:%Y-%m-%d %H:%M %Z}")
        self.stdout.write("API key (shown once; store it in the case system now):")
        self.stdout.write(issued.key)
