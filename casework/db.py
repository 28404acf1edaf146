"""Database-level guards that make casework's records of decisions append-only, like
the audit log's (``audit/db.py``): judgements, objections and break-the-glass accesses.

- ``casework_judgement`` and ``casework_breakglassaccess``: every UPDATE and DELETE is
  refused (a new judgement supersedes an old one; an access simply expires).
- ``casework_objection``: DELETE is refused, and so is every UPDATE but the one the
  application makes (``casework.services.objection_withdraw``): a standing objection is
  withdrawn, once, by setting ``withdrawn_at`` and ``withdrawn_by`` while every other
  column stays as it was.

On PostgreSQL TRUNCATE is refused too. The column list of the objection guard is frozen
here: a new column on ``Objection`` needs a migration that reinstalls the guard.
"""

JUDGEMENT_TABLE = "casework_judgement"
OBJECTION_TABLE = "casework_objection"
BREAK_GLASS_TABLE = "casework_breakglassaccess"
TABLES = (JUDGEMENT_TABLE, OBJECTION_TABLE, BREAK_GLASS_TABLE)
FULLY_GUARDED = (JUDGEMENT_TABLE, BREAK_GLASS_TABLE)

# Every objection column except the two that a withdrawal sets.
OBJECTION_FIXED_COLUMNS = (
    "id",
    "jobcenter_id",
    "citizen_id",
    "received_on",
    "channel",
    "note",
    "recorded_by_id",
    "recorded_at",
)

_OLD = ", ".join(f"OLD.{column}" for column in OBJECTION_FIXED_COLUMNS)
_NEW = ", ".join(f"NEW.{column}" for column in OBJECTION_FIXED_COLUMNS)

# -- PostgreSQL -----------------------------------------------------------------------------

POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION casework_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE OR REPLACE FUNCTION casework_objection_withdraw_only() RETURNS trigger AS $$
    BEGIN
        IF OLD.withdrawn_at IS NULL AND OLD.withdrawn_by_id IS NULL
           AND NEW.withdrawn_at IS NOT NULL AND NEW.withdrawn_by_id IS NOT NULL
           AND ({_NEW}) IS NOT DISTINCT FROM ({_OLD}) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{OBJECTION_TABLE} is append-only: UPDATE may only withdraw a '
            'standing objection' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION casework_append_only();
        """
        for table in FULLY_GUARDED
    ),
    f"""
    CREATE TRIGGER {OBJECTION_TABLE}_no_delete BEFORE DELETE ON {OBJECTION_TABLE}
        FOR EACH ROW EXECUTE FUNCTION casework_append_only();
    """,
    f"""
    CREATE TRIGGER {OBJECTION_TABLE}_withdraw_only BEFORE UPDATE ON {OBJECTION_TABLE}
        FOR EACH ROW EXECUTE FUNCTION casework_objection_withdraw_only();
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION casework_append_only();
        """
        for table in TABLES
    ),
]

POSTGRESQL_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in TABLES),
    *(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};" for table in FULLY_GUARDED),
    f"DROP TRIGGER IF EXISTS {OBJECTION_TABLE}_no_delete ON {OBJECTION_TABLE};",
    f"DROP TRIGGER IF EXISTS {OBJECTION_TABLE}_withdraw_only ON {OBJECTION_TABLE};",
    "DROP FUNCTION IF EXISTS casework_objection_withdraw_only();",
    "DROP FUNCTION IF EXISTS casework_append_only();",
]

# -- SQLite ---------------------------------------------------------------------------------

_SQLITE_FIXED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in OBJECTION_FIXED_COLUMNS)

SQLITE_INSTALL = [
    *(
        statement
        for table in FULLY_GUARDED
        for statement in (
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE is not allowed'); END;
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE is not allowed'); END;
            """,
        )
    ),
    f"""
    CREATE TRIGGER IF NOT EXISTS {OBJECTION_TABLE}_no_delete BEFORE DELETE ON {OBJECTION_TABLE}
    BEGIN SELECT RAISE(ABORT, '{OBJECTION_TABLE} is append-only: DELETE is not allowed'); END;
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {OBJECTION_TABLE}_withdraw_only
    BEFORE UPDATE ON {OBJECTION_TABLE}
    WHEN NOT (
        OLD.withdrawn_at IS NULL AND OLD.withdrawn_by_id IS NULL
        AND NEW.withdrawn_at IS NOT NULL AND NEW.withdrawn_by_id IS NOT NULL
        AND {_SQLITE_FIXED}
    )
    BEGIN SELECT RAISE(ABORT,
        '{OBJECTION_TABLE} is append-only: UPDATE may only withdraw a standing objection');
    END;
    """,
]

SQLITE_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in FULLY_GUARDED),
    *(f"DROP TRIGGER IF EXISTS {table}_no_delete;" for table in TABLES),
    f"DROP TRIGGER IF EXISTS {OBJECTION_TABLE}_withdraw_only;",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
}


def install_statements(vendor: str) -> list[str]:
    return STATEMENTS.get(vendor, ([], []))[0]


def remove_statements(vendor: str) -> list[str]:
    return STATEMENTS.get(vendor, ([], []))[1]


def install_append_only_guards(apps, schema_editor) -> None:
    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def remove_append_only_guards(apps, schema_editor) -> None:
    for statement in remove_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)
