"""Judgements, objections and break-the-glass accesses are append-only in the database
(casework/db.py): raw SQL cannot change or remove them, on SQLite and on PostgreSQL;
the one update the application makes, withdrawing an objection, still works."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.models import BreakGlassAccess, Judgement, Objection
from casework.services import objection_withdraw


@pytest.fixture
def rows(citizen, caseworker, other_caseworker, jobcenter):
    spell = citizen.spells.get()
    judgement = Judgement.objects.create(
        jobcenter=jobcenter,
        spell=spell,
        snapshot=spell.snapshots.get(),
        caseworker=caseworker,
        risk_band="low",
        agreement="not_seen",
        next_step="guidance",
    )
    objection = Objection.objects.create(
        jobcenter=jobcenter,
        citizen=citizen,
        received_on=datetime.date(2026, 11, 2),
        channel="phone",
        recorded_by=caseworker,
    )
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        jobcenter=jobcenter,
        user=other_caseworker,
        citizen=citizen,
        reason_category="colleague_absent",
        reason_text="Alice er syg",
        starts_at=now,
        expires_at=now + datetime.timedelta(hours=1),
    )
    return {"judgement": judgement, "objection": objection, "access": access}


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casework_judgement SET risk_band = 'high'",
        "DELETE FROM casework_judgement",
        "UPDATE casework_breakglassaccess SET expires_at = starts_at",
        "UPDATE casework_breakglassaccess SET flagged_for_dpo = FALSE",
        "DELETE FROM casework_breakglassaccess",
        "DELETE FROM casework_objection",
        "UPDATE casework_objection SET note = 'changed'",
        # A withdrawal that also rewrites the objection is refused too.
        "UPDATE casework_objection SET withdrawn_at = CURRENT_TIMESTAMP, "
        "withdrawn_by_id = recorded_by_id, received_on = '2026-01-01'",
    ],
)
def test_it_refuses_raw_sql_that_changes_or_removes_a_row(rows, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(statement)
    assert Judgement.objects.get().risk_band == "low"
    objection = Objection.objects.get()
    assert objection.note == "" and objection.withdrawn_at is None
    assert BreakGlassAccess.objects.get().flagged_for_dpo


def test_it_allows_withdrawing_a_standing_objection_once(rows, caseworker, citizen):
    withdrawn = objection_withdraw(user=caseworker, citizen_id=citizen.pk)
    assert Objection.objects.get().withdrawn_at == withdrawn.withdrawn_at
    # Once withdrawn, the row is final: no second withdrawal, no undoing it.
    for statement in (
        "UPDATE casework_objection SET withdrawn_at = CURRENT_TIMESTAMP",
        "UPDATE casework_objection SET withdrawn_at = NULL, withdrawn_by_id = NULL",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(statement)
    assert Objection.objects.get().withdrawn_at == withdrawn.withdrawn_at


def test_a_withdrawal_must_name_who_withdrew(rows):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE casework_objection SET withdrawn_at = CURRENT_TIMESTAMP")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "table", ["casework_judgement", "casework_objection", "casework_breakglassaccess"]
)
def test_truncate_is_refused_on_postgresql(rows, table):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"TRUNCATE {table} CASCADE")
    assert Judgement.objects.exists() and Objection.objects.exists()
