"""Signed checkpoints of every chain head, kept outside the database.

The hash chain shows any change made behind the application's back, except one: a
database superuser who lifts the triggers, removes or alters an event, recomputes every
hash after it and moves the chain head leaves a chain that verifies. Checkpoints close
that gap. At least hourly (Celery beat) and at every DPO export, each chain's head and
the hashes of the events since its previous checkpoint are written, signed with an
Ed25519 key that is not in the database (``AUDIT_CHECKPOINT_SIGNING_KEY``), to an
append-only file outside it (``AUDIT_CHECKPOINT_DIR/checkpoints.jsonl``, one JSON line
per chain, opened with ``O_APPEND``; in production an append-only object store / WORM
bucket should receive it). ``verify_audit`` compares the database with every checkpoint:
a line whose signature fails is forged, and an event whose hash no longer matches the
one a checkpoint recorded at its place (or that is gone) is tampering; the message names
the first event that differs.

The append path is untouched: checkpoints read the heads and the new events' hashes
through the (chain, sequence) index, off the request path.

A line::

    {"v": 1, "id": <uuid of the write>, "written_at": ..., "reason": "hourly",
     "chain": 7, "first": 120, "sequence": 180, "hash": <head's hash>,
     "hashes": <the first 16 hex digits of the hash of each event first..sequence>,
     "key_id": <16 hex digits of the public key's SHA-256>, "signature": <base64>}
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import canonical_json
from audit.models import AuditEvent, ChainHead
from audit.services import audit_record
from audit.verification import (
    EXTERNAL_FORGED,
    EXTERNAL_MISMATCH,
    EXTERNAL_MISSING,
    ChainBreak,
    VerificationResult,
)

logger = logging.getLogger(__name__)

FILE_NAME = "checkpoints.jsonl"
VERSION = 1
PREFIX = 16  # hex digits of each event's hash kept per checkpoint (64 bits)
_TAIL_BLOCK = 64 * 1024


# -- Keys ----------------------------------------------------------------------------------


def signing_key() -> Ed25519PrivateKey:
    """The private key from ``AUDIT_CHECKPOINT_SIGNING_KEY``: a PEM (PKCS#8) text or the
    32-byte seed in base64."""
    text = settings.AUDIT_CHECKPOINT_SIGNING_KEY.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("AUDIT_CHECKPOINT_SIGNING_KEY: not an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(text))


def verifying_key() -> Ed25519PublicKey:
    """``AUDIT_CHECKPOINT_PUBLIC_KEY`` (base64 of the 32 raw bytes) when set, so a host
    that only verifies needs no private key; otherwise the signing key's."""
    text = getattr(settings, "AUDIT_CHECKPOINT_PUBLIC_KEY", None)
    if text:
        return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(text.strip()))
    return signing_key().public_key()


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode()


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_text(key).encode()).hexdigest()[:16]


def _payload(line: dict) -> bytes:
    return canonical_json({k: v for k, v in line.items() if k != "signature"}).encode()


def line_sign(line: dict, key: Ed25519PrivateKey) -> dict:
    signed = dict(line, key_id=key_id(key.public_key()))
    signed["signature"] = base64.b64encode(key.sign(_payload(signed))).decode()
    return signed


def line_signature_valid(line: dict, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(line["signature"], validate=True), _payload(line))
    except (KeyError, TypeError, ValueError, binascii.Error, InvalidSignature):
        return False
    return True


# -- The file ------------------------------------------------------------------------------


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def _append(path: Path, lines: list[dict]) -> None:
    """Appends the lines in one ``write`` on a descriptor opened with ``O_APPEND`` (the
    file is never opened for anything else here), under an exclusive lock, then
    fsyncs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n" for line in lines)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, data.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def checkpoint_lines(path: Path | None = None) -> Iterator[tuple[int, dict | None]]:
    """(line number, the line's JSON or None when it is not JSON), oldest first."""
    path = path or checkpoint_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                line = None
            yield number, line if isinstance(line, dict) else None


def _last_sequences(path: Path, chains: set[int]) -> dict[int, int]:
    """Each chain's sequence at its latest checkpoint, read from the end of the file
    (the latest write names every chain, so this reads only a few lines)."""
    found: dict[int, int] = {}
    if not path.exists():
        return found
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        rest = b""
        while position > 0 and set(chains) - set(found):
            step = min(_TAIL_BLOCK, position)
            position -= step
            handle.seek(position)
            block = handle.read(step) + rest
            lines = block.split(b"\n")
            rest = lines.pop(0) if position > 0 else b""
            for text in reversed(lines):
                try:
                    line = json.loads(text)
                    found.setdefault(int(line["chain"]), int(line["sequence"]))
                except (ValueError, KeyError, TypeError):
                    continue
    return found


# -- Writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointWrite:
    id: str
    path: str
    heads: dict[int, tuple[int, str]]
    event_id: int


def _hash_prefixes(chain: int, first: int, last: int) -> str:
    hashes = (
        AuditEvent.objects.filter(chain=chain, sequence__gte=first, sequence__lte=last)
        .order_by("sequence")
        .values_list("sequence", "hash")
    )
    expected = first
    parts = []
    for sequence, stored in hashes.iterator(chunk_size=20_000):
        if sequence != expected:  # a gap now is for verify_audit to report; keep places
            break
        parts.append(stored[:PREFIX])
        expected += 1
    return "".join(parts)


def audit_external_checkpoint_write(*, reason: str, user=None) -> CheckpointWrite:
    """Writes a signed checkpoint of every chain head to the file, then records an
    AUDIT_EXTERNAL_CHECKPOINT event naming it. Call it outside a transaction that may
    still roll back (the file cannot): ``transaction.on_commit``."""
    key = signing_key()
    path = checkpoint_path()
    heads = {
        chain: (sequence, head_hash)
        for chain, sequence, head_hash in ChainHead.objects.order_by("chain").values_list(
            "chain", "sequence", "hash"
        )
    }
    previous = _last_sequences(path, set(heads))
    write_id = str(uuid.uuid4())
    written_at = timezone.now().isoformat()
    lines = []
    for chain, (sequence, head_hash) in heads.items():
        if chain in previous and previous[chain] <= sequence:
            first = previous[chain] + 1
        else:
            first = (
                AuditEvent.objects.filter(chain=chain)
                .order_by("sequence")
                .values_list("sequence", flat=True)
                .first()
            ) or sequence + 1
        prefixes = _hash_prefixes(chain, first, sequence) if first <= sequence else ""
        line = {
            "v": VERSION,
            "id": write_id,
            "written_at": written_at,
            "reason": reason,
            "chain": chain,
            "first": first,
            "sequence": sequence,
            "hash": head_hash,
            "hashes": prefixes,
        }
        lines.append(line_sign(line, key))
    _append(path, lines)
    with transaction.atomic():
        event = audit_record(
            action=AuditAction.AUDIT_EXTERNAL_CHECKPOINT,
            user=user,
            object_type="audit_log",
            object_id=write_id,
            details={
                "reason": reason,
                "file": path.name,
                "key_id": key_id(key.public_key()),
                "heads": {str(c): [s, h[:PREFIX]] for c, (s, h) in heads.items()},
                "lines_sha256": hashlib.sha256(
                    "".join(canonical_json(line) for line in lines).encode()
                ).hexdigest(),
            },
        )
    logger.info("Audit checkpoint %s written for %s chains (%s)", write_id, len(lines), reason)
    return CheckpointWrite(id=write_id, path=str(path), heads=heads, event_id=event.pk)


def audit_external_checkpoint_on_commit(*, reason: str, user=None) -> None:
    """Writes a checkpoint once the caller's transaction has committed (so it covers
    the caller's own events); a failure is logged, not raised into the caller."""
    transaction.on_commit(
        lambda: audit_external_checkpoint_write(reason=reason, user=user), robust=True
    )


# -- Verifying -----------------------------------------------------------------------------


@dataclass
class _Segment:
    line: int
    written_at: str
    first: int
    sequence: int
    hash: str
    hashes: str

    def expected(self, sequence: int) -> str:
        """The hash (prefix) the checkpoint recorded at ``sequence``."""
        if sequence == self.sequence:
            return self.hash
        offset = (sequence - self.first) * PREFIX
        return self.hashes[offset : offset + PREFIX]


def _forged(number: int, why: str, line: dict | None = None) -> ChainBreak:
    """A line that cannot be trusted; its chain is the one it claims, if any."""
    try:
        chain = int(line["chain"]) if line else -1
    except (KeyError, TypeError, ValueError):
        chain = -1
    return ChainBreak(chain, None, None, EXTERNAL_FORGED, f"{FILE_NAME} line {number}: {why}")


def checkpoints_read(path: Path | None = None) -> tuple[dict[int, list[_Segment]], list, int]:
    """The file's lines as per-chain segments, after checking each signature. Returns
    (segments by chain, breaks for forged or unreadable lines, lines read)."""
    key = verifying_key()
    segments: dict[int, list[_Segment]] = {}
    breaks: list[ChainBreak] = []
    count = 0
    for number, line in checkpoint_lines(path):
        count += 1
        if line is None:
            breaks.append(_forged(number, "not a JSON object"))
            continue
        if not line_signature_valid(line, key):
            breaks.append(
                _forged(number, "the signature does not verify (forged or altered)", line)
            )
            continue
        try:
            segment = _Segment(
                line=number,
                written_at=str(line["written_at"]),
                first=int(line["first"]),
                sequence=int(line["sequence"]),
                hash=str(line["hash"]),
                hashes=str(line["hashes"]),
            )
            chain = int(line["chain"])
        except (KeyError, TypeError, ValueError):
            breaks.append(_forged(number, "signed, but not a checkpoint of this version", line))
            continue
        segments.setdefault(chain, []).append(segment)
    return segments, breaks, count


def _places(segments: list[_Segment]) -> Iterator[tuple[int, str, _Segment]]:
    """Every (sequence, recorded hash or prefix, segment) the chain's checkpoints
    recorded, in increasing sequence order, each place once (the earliest checkpoint
    that recorded it; a head with its whole hash)."""
    done = 0
    ordered = sorted(segments, key=lambda g: (g.first if g.hashes else g.sequence, g.line))
    for segment in ordered:
        covered = segment.first + len(segment.hashes) // PREFIX  # one past the last prefix
        for sequence in range(max(segment.first, done + 1), covered):
            yield sequence, segment.expected(sequence), segment
            done = sequence
        if segment.sequence > done:  # a head the prefixes do not reach
            yield segment.sequence, segment.hash, segment
            done = segment.sequence


def _chain_check(chain: int, segments: list[_Segment]) -> ChainBreak | None:
    """Walks the chain's events once, in sequence order, beside every place the
    checkpoints recorded (both streams in order: memory stays flat however long the
    log); the first place that differs is the break."""
    events = AuditEvent.objects.filter(chain=chain)
    first_stored = events.order_by("sequence").values_list("sequence", flat=True).first()
    rows = iter(
        events.order_by("sequence")
        .values_list("sequence", "hash", "id")
        .iterator(chunk_size=20_000)
    )
    row = next(rows, None)
    for sequence, recorded, segment in _places(segments):
        if first_stored is not None and sequence < first_stored:
            continue  # removed by retention, which the chain's own checkpoints cover
        while row is not None and row[0] < sequence:
            row = next(rows, None)
        where = f"checkpoint of {segment.written_at} ({FILE_NAME} line {segment.line})"
        if row is None or row[0] != sequence:
            return ChainBreak(
                chain,
                sequence,
                None,
                EXTERNAL_MISSING,
                f"{where} recorded hash {recorded[:PREFIX]}; the database has no such event",
            )
        _, stored_hash, event_id = row
        if not stored_hash.startswith(recorded):
            return ChainBreak(
                chain,
                sequence,
                event_id,
                EXTERNAL_MISMATCH,
                f"{where} recorded hash {recorded[:PREFIX]}, the database has "
                f"{stored_hash[:PREFIX]}",
            )
    return None


@dataclass(frozen=True)
class ExternalCheck:
    lines: int
    chains: int
    breaks: list[ChainBreak]


def audit_external_checkpoints_verify(path: Path | None = None) -> ExternalCheck:
    """Checks the database against every signed checkpoint (reads only). The file is
    read first: every line in it names events committed before it was written."""
    segments, breaks, count = checkpoints_read(path)
    for chain in sorted(segments):
        broken = _chain_check(chain, segments[chain])
        if broken is not None:
            breaks.append(broken)
    return ExternalCheck(lines=count, chains=len(segments), breaks=breaks)


def verification_add_external(result: VerificationResult, check: ExternalCheck) -> None:
    """Adds the checkpoints' breaks to a chain verification's result."""
    result.breaks.extend(check.breaks)
    result.ok = not result.breaks
    result.external_checkpoints = check.lines


def checkpoint_lines_for_chain(chain: int, path: Path | None = None) -> Iterator[str]:
    """The raw lines of one chain (a jobcenter's DPO sees only their own), as written:
    each is signed on its own, so the copy can be verified without the others."""
    path = path or checkpoint_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for text in handle:
            try:
                line = json.loads(text)
            except ValueError:
                continue
            if isinstance(line, dict) and line.get("chain") == chain:
                yield text if text.endswith("\n") else text + "\n"


def checkpoints_for_chain(chain: int, *, limit: int = 50) -> list[dict]:
    """The chain's latest checkpoints, newest first, each with ``valid`` (its
    signature verifies) and ``written`` (a datetime), for the DPO's page."""
    key = verifying_key()
    rows = []
    for text in checkpoint_lines_for_chain(chain):
        line = json.loads(text)
        try:
            written = datetime.datetime.fromisoformat(str(line.get("written_at")))
        except ValueError:
            written = None
        rows.append(
            {
                "written": written,
                "reason": line.get("reason", ""),
                "sequence": line.get("sequence"),
                "hash": str(line.get("hash", ""))[:PREFIX],
                "valid": line_signature_valid(line, key),
            }
        )
    return rows[::-1][:limit]


# -- The DPO's copy ------------------------------------------------------------------------


@transaction.atomic
def audit_checkpoints_page_view(*, user) -> list[dict]:
    """The DPO's page of their chain's checkpoints: one AUDIT_VIEW event."""
    rows = checkpoints_for_chain(user.jobcenter_id)
    audit_record(
        action=AuditAction.AUDIT_VIEW,
        user=user,
        object_type="audit_log",
        details={"view": "external_checkpoints", "rows": len(rows)},
    )
    return rows


@transaction.atomic
def audit_checkpoints_download_start(*, user) -> AuditEvent:
    """Records the DPO's download of their chain's checkpoint lines (an AUDIT_EXPORT
    event) before a line leaves."""
    return audit_record(
        action=AuditAction.AUDIT_EXPORT,
        user=user,
        object_type="audit_log",
        details={"format": "external_checkpoints", "file": FILE_NAME},
    )
