"""Helpers for the audit integrity tests: recording events at a chosen time, and lifting
the append-only triggers the way a database superuser could, to tamper behind them."""

import contextlib
import datetime

from django.db import connection, transaction
from django.utils import timezone

from audit.db import TABLE, install_statements, remove_statements
from audit.services import audit_record


def record(*, user=None, at: datetime.datetime | None = None, **kwargs):
    """One event through the real ``audit_record``; ``at`` sets its time (the clock is
    the only thing stood in for)."""
    kwargs.setdefault("action", "citizen.search")
    if at is None:
        with transaction.atomic():
            return audit_record(user=user, **kwargs)
    real_now = timezone.now
    timezone.now = lambda: at
    try:
        with transaction.atomic():
            return audit_record(user=user, **kwargs)
    finally:
        timezone.now = real_now


@contextlib.contextmanager
def triggers_lifted():
    """PostgreSQL: ``ALTER TABLE ... DISABLE TRIGGER ALL`` (needs a superuser, as the
    tests' role is); SQLite: the triggers are dropped. Both are put back after."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Inside a test's transaction, deferred foreign-key checks must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
        else:
            for statement in remove_statements("sqlite"):
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER ALL")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in install_statements("sqlite"):
                    cursor.execute(statement)


def raw(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
