"""The cockpit's Celery tasks, on the ``monitoring`` queue: thin calls of
``cockpit.summaries``."""

from celery import shared_task

from cockpit import summaries


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def cockpit_summary_task(*, run_id: int) -> dict:
    run = summaries.summary_run_execute(run_id=run_id)
    return {"run": run.pk, "state": run.state}


@shared_task(acks_late=True, time_limit=2 * 60 * 60)
def cockpit_summary_nightly_task() -> list[int]:
    return summaries.summary_nightly()
