"""The database-level guard that makes the audit table append-only: triggers that reject
UPDATE, DELETE (and TRUNCATE on PostgreSQL), whatever code or raw SQL tries it.

Two versions, one per migration:

- version 1 (migration 0003) rejects every UPDATE, DELETE and TRUNCATE;
- version 2 (migration 0006, the current one) still rejects every UPDATE and TRUNCATE,
  and rejects a DELETE unless the row is retention's to remove: older than
  ``RETENTION_FLOOR_MONTHS`` months *and* before the cut of the latest checkpoint event
  recorded after it in the same chain (``details.cut_sequence`` greater than the row's
  sequence).
  So even raw SQL through the application's connection can remove only events that the
  chain can be verified without.
"""

TABLE = "audit_auditevent"
CHECKPOINT_ACTION = "audit.checkpoint"
RETENTION_FLOOR_MONTHS = 6

# -- Version 1 (migration 0003) ----------------------------------------------------------

POSTGRESQL_INSTALL_V1 = [
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_auditevent is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER audit_event_no_update_delete
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
    """,
    f"""
    CREATE TRIGGER audit_event_no_truncate
        BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
    """,
]
POSTGRESQL_REMOVE_V1 = [
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_event_no_update_delete ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
]

SQLITE_INSTALL_V1 = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE is not allowed'); END;
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE is not allowed'); END;
    """,
]
SQLITE_REMOVE_V1 = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]


# -- Version 2 (migration 0006): retention may delete what a checkpoint covers -------------

_DELETE_REFUSED = (
    "audit_auditevent is append-only: DELETE is allowed only for events older than "
    f"{RETENTION_FLOOR_MONTHS} months before a retention checkpoint"
)

_POSTGRESQL_DELETE_GUARD = f"""
    CREATE OR REPLACE FUNCTION audit_event_delete_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.occurred_at < now() - interval '{RETENTION_FLOOR_MONTHS} months' THEN
            -- The latest checkpoint after the row (one probe of the partial index
            -- audit_checkpoint_chain_seq) must cut above it.
            IF COALESCE((
                SELECT (checkpoint.details ->> 'cut_sequence')::bigint
                FROM {TABLE} AS checkpoint
                WHERE checkpoint.chain = OLD.chain
                  AND checkpoint.action = '{CHECKPOINT_ACTION}'
                  AND checkpoint.sequence > OLD.sequence
                ORDER BY checkpoint.sequence DESC
                LIMIT 1
            ), 0) > OLD.sequence THEN
                RETURN OLD;
            END IF;
        END IF;
        RAISE EXCEPTION '{_DELETE_REFUSED}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """  # noqa: S608 - built from constants only

POSTGRESQL_INSTALL_V2 = [
    POSTGRESQL_INSTALL_V1[0],  # audit_event_append_only(): rejects whatever calls it
    _POSTGRESQL_DELETE_GUARD,
    f"DROP TRIGGER IF EXISTS audit_event_no_update_delete ON {TABLE};",
    f"""
    CREATE TRIGGER audit_event_no_update
        BEFORE UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
    """,
    f"""
    CREATE TRIGGER audit_event_retention_delete_only
        BEFORE DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_delete_guard();
    """,
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};",
    POSTGRESQL_INSTALL_V1[2],  # BEFORE TRUNCATE: always rejected
]
POSTGRESQL_REMOVE_V2 = [
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_event_retention_delete_only ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_event_no_update ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_event_delete_guard();",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
]

# Django stores SQLite datetimes as UTC text ('YYYY-MM-DD HH:MM:SS[.ffffff]'), which
# compares correctly with datetime('now', ...) (also UTC text).
SQLITE_INSTALL_V2 = [
    SQLITE_INSTALL_V1[0],  # BEFORE UPDATE: always rejected
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_event_retention_delete_only BEFORE DELETE ON {TABLE}
    WHEN NOT (
        OLD.occurred_at < datetime('now', '-{RETENTION_FLOOR_MONTHS} months')
        AND COALESCE((
            SELECT CAST(json_extract(checkpoint.details, '$.cut_sequence') AS INTEGER)
            FROM {TABLE} AS checkpoint
            WHERE checkpoint.chain = OLD.chain
              AND checkpoint.action = '{CHECKPOINT_ACTION}'
              AND checkpoint.sequence > OLD.sequence
            ORDER BY checkpoint.sequence DESC
            LIMIT 1
        ), 0) > OLD.sequence
    )
    BEGIN SELECT RAISE(ABORT, '{_DELETE_REFUSED}'); END;
    """,  # noqa: S608 - built from constants only
]
SQLITE_REMOVE_V2 = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_retention_delete_only;",
]

VERSIONS = {
    1: {
        "postgresql": (POSTGRESQL_INSTALL_V1, POSTGRESQL_REMOVE_V1),
        "sqlite": (SQLITE_INSTALL_V1, SQLITE_REMOVE_V1),
    },
    2: {
        "postgresql": (POSTGRESQL_INSTALL_V2, POSTGRESQL_REMOVE_V2),
        "sqlite": (SQLITE_INSTALL_V2, SQLITE_REMOVE_V2),
    },
}
CURRENT_VERSION = 2


def install_statements(vendor: str, version: int = CURRENT_VERSION) -> list[str]:
    return VERSIONS[version].get(vendor, ([], []))[0]


def remove_statements(vendor: str, version: int = CURRENT_VERSION) -> list[str]:
    return VERSIONS[version].get(vendor, ([], []))[1]


def _execute(schema_editor, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def _harden_postgresql(schema_editor) -> None:
    """The guard function looks the table up by name: pin its search path to the
    table's schema (with pg_temp last), so a temporary table of the same name cannot
    stand in for the real one."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    quoted = schema_editor.quote_name(schema)
    schema_editor.execute(
        f"ALTER FUNCTION audit_event_delete_guard() SET search_path = {quoted}, pg_temp",
        params=None,
    )


# Migration 0003: version 1.
def install_append_only_triggers(apps, schema_editor) -> None:
    _execute(schema_editor, install_statements(schema_editor.connection.vendor, 1))


def remove_append_only_triggers(apps, schema_editor) -> None:
    _execute(schema_editor, remove_statements(schema_editor.connection.vendor, 1))


# Migration 0006: from version 1 to version 2 and back.
def install_retention_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, remove_statements(vendor, 1))
    _execute(schema_editor, install_statements(vendor, 2))
    _harden_postgresql(schema_editor)


def remove_retention_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, remove_statements(vendor, 2))
    _execute(schema_editor, install_statements(vendor, 1))
