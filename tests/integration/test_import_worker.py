"""A large upload's preview and import go through Redis to a real worker process on
PostgreSQL, which writes its progress and result on the upload's row."""

import time

from casework.imports.uploads import import_upload_create
from casework.models import ImportUpload, Spell
from tests.casework.imports.helpers import csv_bytes, rows_default
from tests.factories import Role, TeamFactory, default_feature_spec, make_staff


def _wait(upload, states, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.state in states:
            return upload
        time.sleep(0.5)
    raise AssertionError(f"still {upload.state}")


def test_a_large_upload_is_previewed_and_imported_by_a_real_worker(
    celery_worker_process, jobcenter
):
    client, queue = celery_worker_process
    TeamFactory(jobcenter=jobcenter, name="Team A")
    default_feature_spec()
    administrator = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    upload = import_upload_create(
        user=administrator, file_name="borgere.csv", content=csv_bytes(rows_default())
    )
    client.send_task(
        "casework.tasks.import_upload_preview_task",
        kwargs={"upload_id": str(upload.pk)},
        queue=queue,
    )  # the tasks keep no result: their outcome is on the row
    upload = _wait(upload, {"previewed", "failed"})
    assert upload.state == "previewed" and upload.report["ok"], upload.report
    assert upload.rows_done == upload.rows_total == 6
    ImportUpload.objects.filter(pk=upload.pk).update(state="queued")
    client.send_task(
        "casework.tasks.import_upload_execute_task",
        kwargs={"upload_id": str(upload.pk)},
        queue=queue,
    )
    upload = _wait(upload, {"done", "failed"})
    assert upload.state == "done", upload.message
    assert Spell.objects.filter(jobcenter=jobcenter).count() == 1


def test_a_broker_that_is_down_is_known_at_once(jobcenter, settings):
    """Against a real (refused) broker address, not a mock: the upload says so in well
    under a second and is not left queued."""
    import pytest

    from casework.imports.uploads import BackgroundUnavailable, import_upload_start_preview
    from jobcenter.celery import app

    TeamFactory(jobcenter=jobcenter, name="Team A")
    default_feature_spec()
    administrator = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    upload = import_upload_create(
        user=administrator, file_name="borgere.csv", content=csv_bytes(rows_default())
    )
    settings.IMPORT_BACKGROUND_ROWS = 1
    previous = app.conf.broker_url, app.conf.broker_write_url
    dead = "redis://127.0.0.1:1/0"
    app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = dead, dead, False
    try:
        started = time.monotonic()
        with pytest.raises(BackgroundUnavailable):
            import_upload_start_preview(upload=upload)
        assert time.monotonic() - started < 2
    finally:
        app.conf.broker_url, app.conf.broker_write_url = previous
        app.conf.task_always_eager = True
    upload.refresh_from_db()
    assert upload.state == "failed" and "Baggrundsjob" in upload.message
