from celery import shared_task

from jobcenter.services import heartbeat_record


@shared_task(acks_late=True, time_limit=30)
def heartbeat_task(*, note: str = "") -> dict:
    """Proves a worker is alive and can reach the database."""
    return heartbeat_record(note=note)
