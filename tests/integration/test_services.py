"""The parts that only the real services can show."""

import threading

from django.db import close_old_connections, connection, transaction

from audit.chain import event_hash
from audit.models import AuditEvent
from audit.services import audit_record


def test_healthz_reports_a_live_broker(client, postgresql, broker_url, settings):
    settings.CELERY_BROKER_URL = broker_url
    body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "database": {"ok": True, "detail": "postgresql"},
        "broker": {"ok": True, "detail": "redis"},
    }


def test_concurrent_writers_never_fork_the_audit_chain(postgresql, caseworker):
    writers, per_writer = 8, 25
    errors = []

    def write():
        try:
            for _ in range(per_writer):
                with transaction.atomic():
                    audit_record(action="citizen.search", user=caseworker, details={"n": 1})
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = list(AuditEvent.objects.filter(chain=caseworker.jobcenter_id).order_by("sequence"))
    searches = [e for e in events if e.action == "citizen.search"]
    assert len(searches) == writers * per_writer
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.hash == event_hash(content=event.hashed_content(), prev_hash=event.prev_hash)
