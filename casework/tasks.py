"""Casework's Celery tasks: thin calls of ``casework.scoring``."""

from celery import shared_task

from casework import scoring


@shared_task(acks_late=True, time_limit=30 * 60)
def open_spells_rescore_task(*, model_version_id: int) -> int:
    return scoring.open_spells_rescore(model_version_id=model_version_id)


@shared_task(acks_late=True, time_limit=60 * 60)
def training_store_feed_task() -> dict:
    return {name: vars(counts) for name, counts in scoring.training_store_feed().items()}


@shared_task(acks_late=True, time_limit=30 * 60)
def drift_monitor_task() -> list[int]:
    return [report.pk for report in scoring.drift_monitor()]


@shared_task(acks_late=True, ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def import_upload_preview_task(*, upload_id: str) -> str:
    from casework.imports.uploads import import_upload_preview

    return import_upload_preview(upload_id=upload_id).state


@shared_task(acks_late=True, ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def import_upload_execute_task(*, upload_id: str) -> str:
    from casework.imports.uploads import import_upload_execute

    return import_upload_execute(upload_id=upload_id).state
