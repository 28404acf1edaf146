"""The audit log's Celery tasks: thin calls of ``audit.integrity``."""

from celery import shared_task

from audit import checkpoints, integrity


@shared_task(acks_late=True, time_limit=2 * 60 * 60)
def audit_verify_task() -> dict:
    """Verifies the whole chain and records the result as an AUDIT_VERIFY event."""
    result, event = integrity.audit_verification_record()
    return {"ok": result.ok, "events": result.events, "event_id": event.pk}


@shared_task(acks_late=True, time_limit=30 * 60)
def audit_external_checkpoint_task() -> dict:
    """Writes a signed checkpoint of every chain head outside the database."""
    done = checkpoints.audit_external_checkpoint_write(reason="hourly")
    return {"id": done.id, "chains": len(done.heads), "event_id": done.event_id}


@shared_task(acks_late=True, time_limit=2 * 60 * 60)
def audit_retention_task() -> list[dict]:
    """Removes events past ``AUDIT_RETENTION_MONTHS``, each chain after a checkpoint."""
    return [vars(done) for done in integrity.audit_retention_apply()]
