"""Lifting casework's append-only guards (casework/db.py) for a test that must stage a
past state, e.g. backdate a judgement or let a break-the-glass access expire: the way a
database superuser could, and put back after."""

import contextlib

from django.db import connection

from casework import db


@contextlib.contextmanager
def casework_guards_lifted():
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # Inside a test's transaction, deferred foreign-key checks must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in db.TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for statement in db.remove_statements(vendor):
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                for table in db.TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in db.install_statements(vendor):
                    cursor.execute(statement)
