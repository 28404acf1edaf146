from django.db.backends.postgresql import base, operations

from audit.db import TABLE


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
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
