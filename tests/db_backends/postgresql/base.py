from django.db.backends.postgresql import base, operations

from audit.db import TABLE
from casework.db import TABLES as CASEWORK_GUARDED


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if sql and TABLE in tables:
            sql = [
                f"ALTER TABLE {TABLE} DISABLE TRIGGER USER;",
                *sql,
                f"ALTER TABLE {TABLE} ENABLE TRIGGER USER;",
            ]
        guarded = [table for table in CASEWORK_GUARDED if table in tables]
        if sql and guarded:
            sql = [
                *(f"ALTER TABLE {table} DISABLE TRIGGER USER;" for table in guarded),
                *sql,
                *(f"ALTER TABLE {table} ENABLE TRIGGER USER;" for table in guarded),
            ]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
