"""Celery tasks of the prediction engine: each one a thin call of a service. Ids in,
JSON out, acknowledged late; a killed worker's task runs again and the service copes."""

from celery import shared_task

from prediction import registry


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def model_retrain_task(*, run_id: str) -> dict:
    run = registry.training_run_execute(run_id=run_id)
    return {"run": str(run.pk), "state": run.state, "model_version": run.model_version_id}


@shared_task(acks_late=True, time_limit=5 * 60)
def model_retrain_scheduled_task() -> list[str]:
    """The monthly retrain: one run per jobcenter and specification that has training
    data (each on its own jobcenter's records); a run whose data have not changed since
    the last version ends as 'unchanged'."""
    return [str(run.pk) for run in registry.scheduled_training_request()]
