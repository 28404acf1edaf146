"""The DPO's Celery task, on the monitoring queue: a thin call of the service."""

from celery import shared_task

from dpo.integrity_checks import integrity_check_execute


@shared_task(acks_late=True, time_limit=2 * 60 * 60)
def integrity_check_task(*, run_id: int) -> dict:
    run = integrity_check_execute(run_id=run_id)
    return {"run": run.pk, "state": run.state}
