"""Rotating the CPR keys: every citizen's token re-encrypted under the newest encryption
key and its hash recomputed under the current hash key, in batches, while the
application keeps serving.

Each row records its keyset (``Citizen.cpr_keyset``), so the rotation is resumable (a
run takes only the rows not yet on the current keyset, in primary-key order) and a
half-done rotation is visible (``cpr_keys_status``). Until it is done the previous hash
keys stay configured and an exact search looks under all of them (casework.cpr).
Each batch is one short transaction that locks only its own rows; each run is one
KEY_ROTATION audit event. The procedure is in docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from casework.cpr import cpr_keyset_id, cpr_rekey
from casework.models import Citizen

DEFAULT_BATCH = 1_000


@dataclass(frozen=True)
class KeysetStatus:
    keyset: str  # the current keyset's id
    total: int
    current: int  # rows already on the current keyset

    @property
    def remaining(self) -> int:
        return self.total - self.current

    @property
    def done(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True)
class RotationRun:
    keyset: str
    rotated: int
    batches: int
    remaining: int

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def cpr_keys_status() -> KeysetStatus:
    """How far the rows are on the current keyset (two counts)."""
    keyset = cpr_keyset_id()
    return KeysetStatus(
        keyset=keyset,
        total=Citizen.objects.count(),
        current=Citizen.objects.filter(cpr_keyset=keyset).count(),
    )


def _batch_rotate(*, keyset: str, after, batch_size: int) -> tuple[int, object]:
    """One batch in one transaction: the next ``batch_size`` rows after primary key
    ``after`` that are not on ``keyset``, locked, re-keyed and saved. Returns (rows
    rotated, the last primary key seen), (0, None) when nothing is left."""
    with transaction.atomic():
        rows = Citizen.objects.exclude(cpr_keyset=keyset)
        if after is not None:
            rows = rows.filter(pk__gt=after)
        batch = list(
            rows.select_for_update()
            .order_by("pk")
            .only("pk", "cpr_encrypted", "cpr_hash", "cpr_keyset")[:batch_size]
        )
        if not batch:
            return 0, None
        for citizen in batch:
            citizen.cpr_encrypted, citizen.cpr_hash = cpr_rekey(citizen.cpr_encrypted)
            citizen.cpr_keyset = keyset
        Citizen.objects.bulk_update(batch, ["cpr_encrypted", "cpr_hash", "cpr_keyset"])
        return len(batch), batch[-1].pk


def cpr_keys_rotate(
    *,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> RotationRun:
    """Moves every citizen to the current keyset, ``batch_size`` rows per transaction;
    stops after ``max_batches`` batches if given (run it again to go on). ``progress``
    is called after each batch with (batch number, rows rotated so far, rows there were
    to rotate at the start). Records one KEY_ROTATION event for the run."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keyset = cpr_keyset_id()
    to_rotate = Citizen.objects.exclude(cpr_keyset=keyset).count()
    rotated = batches = 0
    after = None
    while max_batches is None or batches < max_batches:
        count, after = _batch_rotate(keyset=keyset, after=after, batch_size=batch_size)
        if not count:
            break
        rotated += count
        batches += 1
        if progress is not None:
            progress(batches, rotated, to_rotate)
    remaining = Citizen.objects.exclude(cpr_keyset=keyset).count()
    with transaction.atomic():
        audit_record(
            action=AuditAction.KEY_ROTATION,
            object_type="cpr_keys",
            details={
                "keyset": keyset,
                "rotated": rotated,
                "batches": batches,
                "batch_size": batch_size,
                "remaining": remaining,
                "complete": remaining == 0,
            },
        )
    return RotationRun(keyset=keyset, rotated=rotated, batches=batches, remaining=remaining)
