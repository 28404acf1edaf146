from django.db.backends.sqlite3 import base, operations

from audit.db import TABLE, install_statements, remove_statements
from casework import db as casework_db


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if sql and TABLE in tables:
            sql = [*remove_statements("sqlite"), *sql, *install_statements("sqlite")]
        if sql and set(casework_db.TABLES) & set(tables):
            sql = [
                *casework_db.remove_statements("sqlite"),
                *sql,
                *casework_db.install_statements("sqlite"),
            ]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
