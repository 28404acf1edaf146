import pytest
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditEvent
from audit.services import AuditOutsideTransaction, audit_record


def _record(**kwargs):
    with transaction.atomic():
        return audit_record(action="citizen.search", **kwargs)


def test_it_chains_each_event_to_the_one_before(caseworker):
    first = _record(user=caseworker, details={"kind": "name", "hits": 1})
    second = _record(user=caseworker, details={"kind": "cpr", "hits": 0})
    assert first.prev_hash == GENESIS_HASH or first.sequence > 1
    assert second.prev_hash == first.hash
    assert second.sequence == first.sequence + 1
    stored = AuditEvent.objects.get(pk=second.pk)
    assert event_hash(content=stored.hashed_content(), prev_hash=stored.prev_hash) == stored.hash
    assert stored.username == "alice" and stored.role == "caseworker" and stored.team == "Team A"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction(caseworker):
    # A transactional test: no test-wide transaction hides the missing atomic block.
    with pytest.raises(AuditOutsideTransaction):
        audit_record(action="citizen.search", user=caseworker)


def test_it_refuses_unknown_actions(caseworker):
    with pytest.raises(ValueError, match="Unknown audit action"), transaction.atomic():
        audit_record(action="citizen.peek", user=caseworker)


def test_the_orm_cannot_change_or_delete_an_event(caseworker):
    event = _record(user=caseworker)
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET reason = 'changed'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_event(caseworker, statement):
    event = _record(user=caseworker)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db(transaction=True)
def test_raw_truncate_is_refused_on_postgresql(caseworker):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    _record(user=caseworker)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.exists()


def test_the_event_rolls_back_with_the_action(caseworker):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="citizen.search", user=caseworker)
        raise RuntimeError("the action failed")
    assert AuditEvent.objects.count() == before
