"""python manage.py rotate_cpr_keys [--batch-size N] [--max-batches N] [--status]:
moves every citizen's CPR token and hash to the current keyset (docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from casework.key_rotation import DEFAULT_BATCH, cpr_keys_rotate, cpr_keys_status


class Command(BaseCommand):
    help = (
        "Re-encrypts every citizen's CPR number under the newest key of "
        "CPR_ENCRYPTION_KEYS and recomputes its hash under CPR_HASH_KEY, in batches, while "
        "the application keeps serving. Resumable: run it again after an interruption. "
        "Exits non-zero while rows remain on an old keyset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
        parser.add_argument(
            "--max-batches",
            type=int,
            default=None,
            help="Stop after this many batches (run again to carry on).",
        )
        parser.add_argument(
            "--status", action="store_true", help="Only show how far the rotation is."
        )

    def handle(self, *args, batch_size, max_batches, status, **options):
        if status:
            state = cpr_keys_status()
            self.stdout.write(
                f"Keyset {state.keyset}: {state.current} of {state.total} citizens on it, "
                f"{state.remaining} to rotate."
            )
            if not state.done:
                raise CommandError(f"{state.remaining} citizens are still on an old keyset.")
            return

        def progress(batch: int, rotated: int, total: int) -> None:
            self.stdout.write(f"  batch {batch}: {rotated} of {total} citizens rotated")

        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        run = cpr_keys_rotate(batch_size=batch_size, max_batches=max_batches, progress=progress)
        self.stdout.write(
            f"Keyset {run.keyset}: {run.rotated} citizens rotated in {run.batches} batches, "
            f"{run.remaining} remaining."
        )
        if not run.complete:
            raise CommandError(
                f"Rotation not complete: {run.remaining} citizens remain. Run the command "
                "again to carry on."
            )
        self.stdout.write(self.style.SUCCESS("Every citizen is on the current keyset."))
