"""Verifying the hash chain: a pure function over plain rows, and a reader that streams
the table to it.

``chains_verify`` recomputes each event's hash from its content and the previous hash,
checks that every event links to the one before, that sequences are consecutive per
chain, and that each chain's head (``ChainHead``) is its last event. A chain whose oldest
events were removed by retention starts at a checkpoint: an ``audit.checkpoint`` event
later in the same chain names the sequence it cut at and the hash just before it, and
that event is itself covered by the chain.

The reader (``audit_log_rows``) reads plain tuples with ``values_list(...).iterator()``
in large chunks, ordered by the unique (chain, sequence) index, and builds exactly the
dictionary ``AuditEvent.hashed_content()`` builds, without model instances.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_json

logger = logging.getLogger(__name__)

CHECKPOINT = AuditAction.AUDIT_CHECKPOINT.value
READ_CHUNK = 20_000

# What can be wrong with an event (stable codes: the nightly event stores them).
CONTENT_ALTERED = "content_altered"
LINK_BROKEN = "link_broken"
SEQUENCE_GAP = "sequence_gap"
START_MISSING = "start_missing"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
CHECKPOINT_MISSING = "checkpoint_missing"
HEAD_MISMATCH = "head_mismatch"
HEAD_MISSING = "head_missing"
# Against the signed checkpoints outside the database (audit.checkpoints).
EXTERNAL_MISMATCH = "external_checkpoint_mismatch"
EXTERNAL_MISSING = "external_checkpoint_missing"
EXTERNAL_FORGED = "external_checkpoint_forged"

PROBLEMS = {
    CONTENT_ALTERED: "the stored hash does not match the event's content (altered)",
    LINK_BROKEN: "prev_hash does not match the hash of the event before it",
    SEQUENCE_GAP: "sequence is not the one after the previous event (events missing)",
    START_MISSING: "the chain does not start at 1 and no checkpoint covers the cut",
    CHECKPOINT_MISMATCH: "prev_hash does not match the hash the checkpoint cut at",
    CHECKPOINT_MISSING: "a checkpoint used to anchor the chain is not in the chain",
    HEAD_MISMATCH: "the chain head does not match the last event (events missing at the end)",
    HEAD_MISSING: "events exist for a chain that has no head",
    EXTERNAL_MISMATCH: (
        "the event's hash differs from the one a signed external checkpoint recorded "
        "(events removed, inserted or altered and the chain re-hashed)"
    ),
    EXTERNAL_MISSING: (
        "a signed external checkpoint recorded an event here that the database no longer has"
    ),
    EXTERNAL_FORGED: "an external checkpoint is forged or damaged",
}


class EventRow(NamedTuple):
    """One event as plain data: its place, the canonical JSON its hash covers (see
    ``audit.chain.canonical_json``), the stored hashes, and for a checkpoint its
    details."""

    id: int
    chain: int
    sequence: int
    action: str
    prev_hash: str
    hash: str
    canonical: str
    checkpoint_details: dict[str, Any] | None = None

    @classmethod
    def from_content(cls, *, id: int, prev_hash: str, hash: str, content: dict) -> EventRow:  # noqa: A002
        """From the dictionary ``AuditEvent.hashed_content()`` returns."""
        action = content["action"]
        return cls(
            id,
            content["chain"],
            content["sequence"],
            action,
            prev_hash,
            hash,
            canonical_json(content),
            (content.get("details") or {}) if action == CHECKPOINT else None,
        )


@dataclass(frozen=True)
class ChainBreak:
    chain: int
    sequence: int | None
    event_id: int | None
    problem: str
    detail: str = ""

    def describe(self) -> str:
        where = f"chain {self.chain}" if self.chain >= 0 else "external checkpoints"
        if self.sequence is not None:
            where += f", sequence {self.sequence}"
        if self.event_id is not None:
            where += f", event id {self.event_id}"
        text = f"{where}: {PROBLEMS.get(self.problem, self.problem)}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class VerificationResult:
    ok: bool = True
    chains: int = 0
    events: int = 0
    seconds: float = 0.0
    breaks: list[ChainBreak] = field(default_factory=list)
    # Per chain: first and last sequence checked and the last hash (the head).
    heads: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Per chain: how many events were checked.
    counts: dict[int, int] = field(default_factory=dict)
    # How many signed external checkpoint lines were checked (None: not checked).
    external_checkpoints: int | None = None

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def chain_add(
        self, chain: int, count: int, summary: dict[str, Any] | None, broken: ChainBreak | None
    ) -> None:
        """Adds one verified chain's outcome."""
        self.chains += 1
        self.events += count
        self.counts[chain] = count
        if summary:
            self.heads[chain] = summary
        if broken:
            self.breaks.append(broken)
        self.ok = not self.breaks

    def chain_details(self, chain: int) -> dict[str, Any]:
        """JSON for one chain's AUDIT_VERIFY event: that jobcenter's part of the check."""
        broken = next((b for b in self.breaks if b.chain == chain), None)
        return {
            "scope": "chain",
            "ok": broken is None,
            "chain": chain,
            "chains": 1,
            "events": self.counts.get(chain, 0),
            "seconds": round(self.seconds, 3),
            "first_break": asdict(broken) if broken else None,
            "head": self.heads.get(chain),
        }

    def as_details(self) -> dict[str, Any]:
        """JSON for the AUDIT_VERIFY event of the whole log."""
        return {
            "scope": "log",
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "broken_chains": len(self.breaks),
            "external_checkpoints": self.external_checkpoints,
            "first_break": asdict(self.first_break) if self.first_break else None,
            "heads": {str(chain): head for chain, head in sorted(self.heads.items())},
        }


def _recompute(prev_hash: str, canonical: str) -> str:
    # The same as audit.chain.event_hash, on the canonical text already built.
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical.encode("utf-8"))
    return digest.hexdigest()


def _checkpoint_cut(row: EventRow) -> tuple[int, str] | None:
    if row.action != CHECKPOINT:
        return None
    details = row.checkpoint_details or {}
    try:
        return int(details["cut_sequence"]), str(details["cut_prev_hash"])
    except (KeyError, TypeError, ValueError):
        return None


def chain_verify(
    rows: Iterable[EventRow],
    *,
    chain: int,
    head: tuple[int, str] | None,
    checkpoints: Mapping[int, str] | None = None,
) -> tuple[int, dict[str, Any] | None, ChainBreak | None]:
    """Verifies one chain's events, given in sequence order.

    ``head`` is the chain head's (sequence, hash), or None when there is none.
    ``checkpoints`` maps each cut sequence named by a checkpoint event of this chain to
    the hash just before the cut; every one of them must turn up, intact, in ``rows``.
    Returns (events checked, {first, last, hash}, the first break or None).
    """
    cuts = dict(checkpoints or {})
    confirmed: set[int] = set()
    count = 0
    first = previous_sequence = None
    previous_hash = ""
    for row in rows:
        sequence = row.sequence
        count += 1
        if _recompute(row.prev_hash, row.canonical) != row.hash:
            return count, None, ChainBreak(chain, sequence, row.id, CONTENT_ALTERED)
        if first is None:
            first = sequence
            if sequence == 1:
                if row.prev_hash != GENESIS_HASH:
                    return count, None, ChainBreak(chain, sequence, row.id, LINK_BROKEN)
            elif not any(cut >= sequence for cut in cuts):
                return (
                    count,
                    None,
                    ChainBreak(
                        chain, sequence, row.id, START_MISSING, f"first event is {sequence}"
                    ),
                )
        else:
            if sequence != previous_sequence + 1:
                return (
                    count,
                    None,
                    ChainBreak(
                        chain,
                        sequence,
                        row.id,
                        SEQUENCE_GAP,
                        f"expected {previous_sequence + 1}, found {sequence}",
                    ),
                )
            if row.prev_hash != previous_hash:
                return count, None, ChainBreak(chain, sequence, row.id, LINK_BROKEN)
        if sequence in cuts and row.prev_hash != cuts[sequence]:
            return count, None, ChainBreak(chain, sequence, row.id, CHECKPOINT_MISMATCH)
        cut = _checkpoint_cut(row)
        if cut is not None:
            if cut[0] > sequence:  # a checkpoint cuts only what came before it
                return (
                    count,
                    None,
                    ChainBreak(
                        chain, sequence, row.id, CHECKPOINT_MISMATCH, f"cuts at {cut[0]}, ahead"
                    ),
                )
            if cuts.get(cut[0]) == cut[1]:
                confirmed.add(cut[0])
        previous_sequence, previous_hash = sequence, row.hash

    unconfirmed = sorted(set(cuts) - confirmed)
    if unconfirmed:
        return (
            count,
            None,
            ChainBreak(chain, unconfirmed[0], None, CHECKPOINT_MISSING, f"cut at {unconfirmed[0]}"),
        )
    summary = {"first": first, "last": previous_sequence, "hash": previous_hash} if count else None
    if head is None:
        if count:
            return count, summary, ChainBreak(chain, previous_sequence, None, HEAD_MISSING)
        return count, summary, None
    if not count or head != (previous_sequence, previous_hash):
        return (
            count,
            summary,
            ChainBreak(
                chain,
                previous_sequence,
                None,
                HEAD_MISMATCH,
                f"head is at {head[0]}, last event is {previous_sequence}",
            ),
        )
    return count, summary, None


def chains_verify(
    rows: Iterable[EventRow],
    *,
    heads: Mapping[int, tuple[int, str]],
    checkpoints: Mapping[int, Mapping[int, str]] | None = None,
) -> VerificationResult:
    """Verifies every chain. ``rows`` are ordered by (chain, sequence); ``heads`` maps
    chain to its head's (sequence, hash); ``checkpoints`` maps chain to its cuts."""
    checkpoints = checkpoints or {}
    started = time.perf_counter()
    result = VerificationResult()
    seen: set[int] = set()

    def check(chain: int, chain_rows: Iterable[EventRow]) -> None:
        count, summary, broken = chain_verify(
            chain_rows, chain=chain, head=heads.get(chain), checkpoints=checkpoints.get(chain)
        )
        seen.add(chain)
        result.chain_add(chain, count, summary, broken)

    for chain, chain_rows in groupby(rows, key=attrgetter("chain")):
        check(chain, chain_rows)
    for chain in sorted(set(heads) - seen):
        check(chain, ())
    result.seconds = time.perf_counter() - started
    return result


# -- Reading the table ---------------------------------------------------------------------

# The columns, in the order ``_row`` expects them.
COLUMNS = (
    "id",
    "prev_hash",
    "hash",
    "chain",
    "sequence",
    "occurred_at",
    "action",
    "user_id",
    "username",
    "role",
    "team",
    "jobcenter_id",
    "citizen_id",
    "object_type",
    "object_id",
    "model_version_id",
    "inputs_hash",
    "output",
    "reason",
    "flags",
    "details",
    "request_id",
    "ip_address",
    "user_agent",
)


def _row(values: tuple) -> EventRow:
    (
        pk,
        prev_hash,
        stored_hash,
        chain,
        sequence,
        occurred_at,
        action,
        user_id,
        username,
        role,
        team,
        jobcenter_id,
        citizen_id,
        object_type,
        object_id,
        model_version_id,
        inputs_hash,
        output,
        reason,
        flags,
        details,
        request_id,
        ip_address,
        user_agent,
    ) = values
    # Keep in step with AuditEvent.hashed_content() (a test holds them together).
    return EventRow.from_content(
        id=pk,
        prev_hash=prev_hash,
        hash=stored_hash,
        content={
            "chain": chain,
            "sequence": sequence,
            "occurred_at": occurred_at.isoformat(),
            "action": action,
            "user_id": user_id,
            "username": username,
            "role": role,
            "team": team,
            "jobcenter_id": jobcenter_id,
            "citizen_id": str(citizen_id) if citizen_id else None,
            "object_type": object_type,
            "object_id": object_id,
            "model_version_id": model_version_id,
            "inputs_hash": inputs_hash,
            "output": output,
            "reason": reason,
            "flags": flags,
            "details": details,
            "request_id": str(request_id) if request_id else None,
            "ip_address": ip_address,
            "user_agent": user_agent,
        },
    )


def audit_log_rows(*, chain: int | None = None, chunk_size: int = READ_CHUNK) -> Iterator[EventRow]:
    """Every event (or one chain's), ordered by chain and sequence, as plain rows."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return _postgresql_rows(chain=chain, chunk_size=chunk_size)
    from audit.models import AuditEvent

    queryset = AuditEvent.objects.all()
    if chain is not None:
        queryset = queryset.filter(chain=chain)
    values = queryset.order_by("chain", "sequence").values_list(*COLUMNS)
    return map(_row, values.iterator(chunk_size=chunk_size))


# PostgreSQL: the fast reader. PostgreSQL hands over text (timestamps already in
# Python's isoformat, uuids and JSON as text), and the canonical JSON is assembled from
# pieces in its fixed key order: each string through the json module's own C encoder,
# each nested JSON value through canonical_json (cached: most repeat). A test holds the
# result byte for byte to canonical_json(AuditEvent.hashed_content()).
_POSTGRESQL_SELECT = """
    SELECT id, chain, sequence, action, prev_hash, hash,
           CASE WHEN mod(date_part('microseconds', occurred_at)::bigint, 1000000) = 0
                THEN to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                ELSE to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
           END,
           user_id, username, role, team, jobcenter_id, citizen_id::text, object_type,
           object_id, model_version_id, inputs_hash, output::text, reason, flags::text,
           details::text, request_id::text, ip_address, user_agent
    FROM audit_auditevent
    {where}
    ORDER BY chain, sequence
"""


def _json_cache() -> Any:
    cache: dict[str | None, str] = {None: "null", "null": "null", "[]": "[]", "{}": "{}"}

    def canonical(text: str | None) -> str:
        try:
            return cache[text]
        except KeyError:
            value = canonical_json(json.loads(text))
            if len(cache) < 50_000:
                cache[text] = value
            return value

    return canonical


def _postgresql_rows(
    *, chain: int | None, chunk_size: int, raw_connection: Any = None
) -> Iterator[EventRow]:
    """``raw_connection``: a psycopg2 connection of a worker process (see
    ``_chains_verify_in_snapshot``); by default Django's."""
    string = json.encoder.encode_basestring  # the C encoder json.dumps uses (no ASCII escaping)
    nested = _json_cache()
    if raw_connection is None:
        from django.db import connection

        connection.ensure_connection()
        raw_connection = connection.connection
    cursor = raw_connection.cursor(name=f"audit_verify_{id(object())}")
    cursor.itersize = chunk_size
    where, params = ("WHERE chain = %s", [chain]) if chain is not None else ("", [])
    cursor.execute(_POSTGRESQL_SELECT.format(where=where), params)
    try:
        for (
            pk,
            chain_,
            sequence,
            action,
            prev_hash,
            stored_hash,
            occurred_at,
            user_id,
            username,
            role,
            team,
            jobcenter_id,
            citizen_id,
            object_type,
            object_id,
            model_version_id,
            inputs_hash,
            output,
            reason,
            flags,
            details,
            request_id,
            ip_address,
            user_agent,
        ) in cursor:
            canonical = "".join(
                (
                    '{"action":',
                    string(action),
                    ',"chain":',
                    str(chain_),
                    ',"citizen_id":',
                    "null" if citizen_id is None else string(citizen_id),
                    ',"details":',
                    nested(details),
                    ',"flags":',
                    nested(flags),
                    ',"inputs_hash":',
                    string(inputs_hash),
                    ',"ip_address":',
                    "null" if ip_address is None else string(ip_address),
                    ',"jobcenter_id":',
                    "null" if jobcenter_id is None else str(jobcenter_id),
                    ',"model_version_id":',
                    "null" if model_version_id is None else str(model_version_id),
                    ',"object_id":',
                    string(object_id),
                    ',"object_type":',
                    string(object_type),
                    ',"occurred_at":"',
                    occurred_at,
                    '+00:00","output":',
                    nested(output),
                    ',"reason":',
                    string(reason),
                    ',"request_id":',
                    "null" if request_id is None else string(request_id),
                    ',"role":',
                    string(role),
                    ',"sequence":',
                    str(sequence),
                    ',"team":',
                    string(team),
                    ',"user_agent":',
                    string(user_agent),
                    ',"user_id":',
                    "null" if user_id is None else str(user_id),
                    ',"username":',
                    string(username),
                    "}",
                )
            )
            yield EventRow(
                pk,
                chain_,
                sequence,
                action,
                prev_hash,
                stored_hash,
                canonical,
                json.loads(details) if action == CHECKPOINT else None,
            )
    finally:
        cursor.close()


def audit_chain_heads() -> dict[int, tuple[int, str]]:
    from audit.models import ChainHead

    return {
        chain: (sequence, hash_)
        for chain, sequence, hash_ in ChainHead.objects.values_list("chain", "sequence", "hash")
    }


def audit_checkpoint_cuts() -> dict[int, dict[int, str]]:
    """Each chain's checkpoints: cut sequence -> the hash just before the cut. Only a
    handful of rows (found through the action index); the verifier checks each against
    the hashed checkpoint event it streams past."""
    from audit.models import AuditEvent

    cuts: dict[int, dict[int, str]] = {}
    rows = AuditEvent.objects.filter(action=CHECKPOINT).values_list("chain", "details")
    for chain, details in rows.iterator(chunk_size=2_000):
        try:
            cuts.setdefault(chain, {})[int(details["cut_sequence"])] = str(details["cut_prev_hash"])
        except (KeyError, TypeError, ValueError):
            continue
    return cuts


#: Below this many events one process verifies everything: starting workers costs more.
PARALLEL_MIN_EVENTS = 200_000


def audit_log_verify(
    *, chunk_size: int = READ_CHUNK, jobs: int | None = None
) -> VerificationResult:
    """Reads the whole log and verifies every chain, from one consistent snapshot: the
    heads, the checkpoints and the events are read in one transaction (REPEATABLE READ
    on PostgreSQL; SQLite's read transaction is a snapshot already), so events that
    writers append meanwhile are not mistaken for a mismatched head.

    On PostgreSQL the chains (one per jobcenter) are verified by ``jobs`` worker
    processes at once (default: one per CPU for a log of at least
    ``PARALLEL_MIN_EVENTS`` events, and never inside a daemonic process such as a
    Celery worker's), each reading the very same snapshot (``pg_export_snapshot``)."""
    from django.db import connection, transaction

    outermost = not connection.in_atomic_block
    with transaction.atomic():
        postgresql = connection.vendor == "postgresql"
        if outermost and postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        heads = audit_chain_heads()
        checkpoints = audit_checkpoint_cuts()
        if outermost and postgresql:
            workers = _parallel_jobs(jobs, heads)
            if workers > 1:
                try:
                    return _chains_verify_in_parallel(
                        connection, heads, checkpoints, workers, chunk_size
                    )
                except (AssertionError, OSError, BrokenProcessPool) as exc:
                    # A process that may not start children (a daemonic one) or a
                    # worker that died: the log is only read, so verify it here.
                    logger.warning("verifying the audit log in one process: %r", exc)
        return chains_verify(
            audit_log_rows(chunk_size=chunk_size), heads=heads, checkpoints=checkpoints
        )


def _parallel_jobs(jobs: int | None, heads: Mapping[int, tuple[int, str]]) -> int:
    import multiprocessing
    import os

    if jobs is None:
        if multiprocessing.current_process().daemon:
            return 1
        if sum(sequence for sequence, _ in heads.values()) < PARALLEL_MIN_EVENTS:
            return 1
        jobs = os.cpu_count() or 1
    return max(1, min(jobs, len(heads)))


def _chains_verify_in_parallel(connection, heads, checkpoints, workers, chunk_size):
    """Every chain that has a head or an event, dealt to ``workers`` processes, largest
    first to the least loaded; each process verifies its chains in the exported snapshot
    and hands back (chain, events, summary, break) per chain."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT chain FROM audit_auditevent")
        chains = set(heads) | {row[0] for row in cursor.fetchall()}
    groups: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for chain in sorted(chains, key=lambda c: -heads.get(c, (0, ""))[0]):
        least = loads.index(min(loads))
        groups[least].append(chain)
        loads[least] += heads.get(chain, (1, ""))[0]
    params = connection.get_connection_params()
    context = multiprocessing.get_context("spawn")  # never a fork of Django's connection
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(
                _chains_verify_in_snapshot,
                params,
                snapshot,
                [(chain, heads.get(chain), checkpoints.get(chain)) for chain in sorted(group)],
                chunk_size,
            )
            for group in groups
            if group
        ]
        outcomes = sorted(
            (outcome for future in futures for outcome in future.result()), key=lambda o: o[0]
        )
    result = VerificationResult()
    for chain, count, summary, broken in outcomes:
        result.chain_add(chain, count, summary, broken)
    result.seconds = time.perf_counter() - started
    return result


def _chains_verify_in_snapshot(params, snapshot, chains, chunk_size):
    """A worker process: its own connection, the parent's snapshot, its chains."""
    import psycopg2

    raw = psycopg2.connect(**params)
    try:
        raw.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
        outcomes = []
        for chain, head, cuts in chains:
            rows = _postgresql_rows(chain=chain, chunk_size=chunk_size, raw_connection=raw)
            count, summary, broken = chain_verify(
                rows, chain=chain, head=tuple(head) if head else None, checkpoints=cuts
            )
            outcomes.append((chain, count, summary, broken))
        return outcomes
    finally:
        raw.close()
