"""The one function every app calls to record an event."""

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_json, event_hash
from audit.models import AuditEvent, ChainHead
from jobcenter.request_context import current_request_context


class AuditOutsideTransaction(RuntimeError):
    pass


class AuditUnavailable(Exception):
    """The event could not be written, so the action it records must not happen: the
    page says so (``jobcenter.middleware.ServiceUnavailableMiddleware``), and shows
    no estimate."""


_HEAD_TABLE = ChainHead._meta.db_table
# ``AuditAction.values`` builds its list anew on every call (tens of microseconds).
_KNOWN_ACTIONS = frozenset(AuditAction.values)


def _chain_head_advance(chain: int) -> tuple[int, str] | None:
    """Moves the chain's head one on and returns (new sequence, previous hash), or None
    when the chain has no head yet. PostgreSQL and SQLite (3.35+) both return the row
    from the UPDATE, so locking and reading the head is one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_HEAD_TABLE} SET sequence = sequence + 1 "  # noqa: S608 - fixed name
            "WHERE chain = %s RETURNING sequence, hash",
            [chain],
        )
        return cursor.fetchone()


def audit_record(
    *,
    action: str,
    user: Any = None,
    jobcenter_id: int | None = None,
    citizen_id: Any = None,
    object_type: str = "",
    object_id: str = "",
    model_version_id: int | None = None,
    inputs_hash: str = "",
    output: Any = None,
    reason: str = "",
    flags: list[str] | tuple[str, ...] = (),
    details: dict | None = None,
) -> AuditEvent:
    """Appends one event to the jobcenter's hash chain, inside the caller's transaction.

    It must be called inside ``transaction.atomic()``: the event and the action it
    records commit together or not at all (no event, no action). The chain head is
    locked first, so concurrent writers are serialised and the chain never forks.
    """
    if action not in _KNOWN_ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            "audit_record() must run inside the caller's transaction.atomic()"
        )
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if jobcenter_id is None and user is not None:
        jobcenter_id = user.jobcenter_id
    chain = jobcenter_id or 0
    if citizen_id is not None and not isinstance(citizen_id, uuid.UUID):
        # Hashed as the database will store it: the canonical form of the UUID.
        citizen_id = uuid.UUID(str(citizen_id))
    context = current_request_context()

    event = AuditEvent(
        chain=chain,
        sequence=_SEQUENCE_PLACEHOLDER,
        occurred_at=timezone.now(),
        action=action,
        user=user,
        username=user.get_username() if user else "",
        role=(user.role or "") if user else "",
        team=user.team.name if user is not None and user.team_id else "",
        jobcenter_id=jobcenter_id,
        citizen_id=citizen_id,
        object_type=object_type,
        object_id=str(object_id),
        model_version_id=model_version_id,
        inputs_hash=inputs_hash,
        output=output,
        reason=reason,
        flags=sorted(flags),
        details=details or {},
        request_id=context.request_id if context else None,
        ip_address=context.ip_address if context else None,
        user_agent=context.user_agent if context else "",
        prev_hash="",
    )
    try:
        return _append(event, chain)
    except DatabaseError as exc:
        if getattr(exc.__cause__, "pgcode", "") is None:
            raise  # the connection itself is gone: the database is down, not the log
        # The database refused the append (disk full, a refusing trigger): the caller's
        # transaction rolls back with this, so the action is not done either.
        raise AuditUnavailable(f"audit append failed: {exc.__class__.__name__}") from exc


def _append(event: AuditEvent, chain: int) -> AuditEvent:
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and _append_in_one_statement(event, connection):
        return event

    # Lock the head and read it in one statement: UPDATE takes the row lock on
    # PostgreSQL and the write lock on SQLite, so no two writers get the same head.
    head = _chain_head_advance(chain)
    if head is None:
        ChainHead.objects.get_or_create(chain=chain, defaults={"hash": GENESIS_HASH})
        head = _chain_head_advance(chain)
    event.sequence, event.prev_hash = head
    event.hash = event_hash(content=event.hashed_content(), prev_hash=event.prev_hash)
    event.save()
    ChainHead.objects.filter(chain=chain).update(hash=event.hash)
    return event


# -- PostgreSQL: the whole append in one round trip -----------------------------------------
#
# The event's canonical JSON is built here, in Python, as everywhere, but with the
# sequence left open; the database locks the chain head, takes the next sequence,
# computes the SHA-256 exactly as audit.chain.event_hash does (previous hash, a newline,
# the canonical JSON in UTF-8), moves the head and inserts the event, all in one
# statement. The columns are read out of that same JSON document in the database, so
# what is stored is exactly what was hashed, and the statement takes three parameters
# instead of one per column (quoting and adapting each column cost more than the
# statement itself). Each round trip to the database costs about a tenth of a
# millisecond here, and an event is written on every request that shows a citizen.

_SEQUENCE_PLACEHOLDER = -918273645546372819
_SEQUENCE_MARKER = f'"sequence":{_SEQUENCE_PLACEHOLDER}'
_EVENT_FIELDS = [
    field
    for field in AuditEvent._meta.concrete_fields
    if field.column not in {"id", "chain", "sequence", "prev_hash", "hash"}
]
_EVENT_COLUMNS = [field.column for field in _EVENT_FIELDS]


def _column_from_document(field) -> str:
    """The SQL that reads ``field``'s value out of the event's JSON document ``d``."""
    key = field.column
    internal = field.get_internal_type()
    if internal == "JSONField":
        # JSON null is SQL NULL in a nullable column, as the ORM stores None.
        return f"NULLIF(d -> '{key}', 'null'::jsonb)" if field.null else f"d -> '{key}'"
    if internal in {"CharField", "TextField"}:
        return f"d ->> '{key}'"  # no cast: a value too long for the column still fails
    casts = {
        "DateTimeField": "timestamptz",
        "ForeignKey": "bigint",
        "BigIntegerField": "bigint",
        "UUIDField": "uuid",
        "GenericIPAddressField": "inet",
    }
    return f"(d ->> '{key}')::{casts[internal]}"


_DOCUMENT_VALUES = ", ".join(map(_column_from_document, _EVENT_FIELDS))
_APPEND_SQL = f"""
    WITH previous AS (
        SELECT sequence + 1 AS sequence, hash AS prev_hash
        FROM {_HEAD_TABLE} WHERE chain = %(chain)s FOR UPDATE
    ),
    computed AS (
        SELECT sequence, prev_hash, document,
               encode(sha256(convert_to(prev_hash || E'\\n' || document, 'UTF8')), 'hex') AS hash
        FROM (
            SELECT sequence, prev_hash, %(before)s || sequence::text || %(after)s AS document
            FROM previous
        ) AS opened
    ),
    head AS (
        UPDATE {_HEAD_TABLE} AS h SET sequence = c.sequence, hash = c.hash
        FROM computed AS c WHERE h.chain = %(chain)s
    )
    INSERT INTO {AuditEvent._meta.db_table}
        (chain, sequence, prev_hash, hash, {", ".join(_EVENT_COLUMNS)})
    SELECT %(chain)s, sequence, prev_hash, hash, {_DOCUMENT_VALUES}
    FROM (SELECT sequence, prev_hash, hash, document::jsonb AS d FROM computed) AS event
    RETURNING id, sequence, prev_hash, hash
"""  # noqa: S608 - only the models' own table and column names are formatted in


# Planning that statement anew costs more than running it (about 0.3 ms of 0.6 ms here),
# so each database connection prepares it once, under a name that changes with its text.
# Prepared statements belong to the session and outlive a rolled-back transaction. (A
# pooler in transaction mode does not keep them: ``AUDIT_PREPARED_APPEND=false`` there.)
_PREPARED_NAME = "audit_append_" + hashlib.sha256(_APPEND_SQL.encode()).hexdigest()[:16]
_PREPARE_SQL = f"PREPARE {_PREPARED_NAME} (bigint, text, text) AS " + (
    _APPEND_SQL.replace("%(chain)s", "$1").replace("%(before)s", "$2").replace("%(after)s", "$3")
)
_EXECUTE_SQL = f"EXECUTE {_PREPARED_NAME} (%(chain)s, %(before)s, %(after)s)"


def _append_statement_prepare(connection) -> None:
    """Prepares the append on this database session, once."""
    connection.ensure_connection()
    session = connection.connection
    if getattr(connection, "_audit_append_prepared_on", None) is session:
        return
    # The session's own cursor, as Django's connection setup uses: session setup is not
    # one of the request's queries.
    with session.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_PREPARED_NAME])
        if cursor.fetchone() is None:
            cursor.execute(_PREPARE_SQL)
    connection._audit_append_prepared_on = session


def _append_in_one_statement(event: AuditEvent, connection) -> bool:
    """Appends ``event`` (its sequence still the placeholder) in one statement; False
    when that cannot be done (the placeholder's text also turns up inside the content),
    and the caller takes the general path."""
    before, marker, after = canonical_json(event.hashed_content()).partition(_SEQUENCE_MARKER)
    if not marker or _SEQUENCE_MARKER in after:
        return False
    params = {"chain": event.chain, "before": before + '"sequence":', "after": after}
    statement = _APPEND_SQL
    if settings.AUDIT_PREPARED_APPEND:
        _append_statement_prepare(connection)
        statement = _EXECUTE_SQL
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:  # the chain's first event: create its head, then append
        ChainHead.objects.get_or_create(chain=event.chain, defaults={"hash": GENESIS_HASH})
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
    event.pk, event.sequence, event.prev_hash, event.hash = row
    event._state.adding, event._state.db = False, connection.alias
    return True
