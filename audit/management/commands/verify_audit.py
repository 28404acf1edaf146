"""python manage.py verify_audit [--record]: checks the whole hash chain."""

from django.core.management.base import BaseCommand, CommandError

from audit import integrity


class Command(BaseCommand):
    help = (
        "Verifies the audit log's hash chain: every event's hash, every link, consecutive "
        "sequences and each chain's head. Prints the first broken event and exits non-zero "
        "on a break."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--record",
            action="store_true",
            help="Record the result in the log as an audit.verify event.",
        )

    def handle(self, *args, record: bool = False, **options):
        if record:
            result, event = integrity.audit_verification_record()
        else:
            result = integrity.audit_chain_verify()
        self.stdout.write(
            f"Checked {result.events} events in {result.chains} chains in "
            f"{result.seconds:.2f} s ({result.events_per_second:,.0f} events/s)."
        )
        for chain, head in sorted(result.heads.items()):
            self.stdout.write(
                f"  chain {chain}: sequences {head['first']}..{head['last']}, "
                f"head {head['hash'][:16]}"
            )
        if record:
            self.stdout.write(f"Result recorded as audit event {event.pk}.")
        if not result.ok:
            for broken in result.breaks[1:]:
                self.stderr.write(f"Also broken: {broken.describe()}")
            raise CommandError(f"Audit log BROKEN at {result.first_break.describe()}")
        self.stdout.write(self.style.SUCCESS("Audit log intact."))
