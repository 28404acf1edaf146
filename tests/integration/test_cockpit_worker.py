"""The cockpit's summary task goes through Redis to a real worker process on PostgreSQL,
and the manager's page then shows what it computed."""

from django.test import Client
from django.urls import reverse

from cockpit.models import SummaryCell, SummaryRun
from tests.cockpit.conftest import history  # noqa: F401 (fixture)


def test_a_summary_run_in_a_real_worker_fills_the_page(
    celery_worker_process,
    history,  # noqa: F811
    jobcenter,
    manager,
):
    client, queue = celery_worker_process
    run = SummaryRun.objects.create(jobcenter=jobcenter, requested_by=manager)
    result = client.send_task(
        "cockpit.tasks.cockpit_summary_task", kwargs={"run_id": run.pk}, queue=queue
    )
    assert result.get(timeout=120) == {"run": run.pk, "state": "succeeded"}
    run.refresh_from_db()
    assert run.progress == 100 and run.finished_at is not None
    assert SummaryCell.objects.filter(jobcenter=jobcenter, measure="judgements").exists()

    browser = Client()
    browser.force_login(manager)
    page = browser.get(reverse("cockpit:index")).content.decode()
    assert "Tallene er beregnet" in page
    assert "Faglige vurderinger pr. måned" in page
    # Sent again (a retried message), the finished run is left as it is.
    again = client.send_task(
        "cockpit.tasks.cockpit_summary_task", kwargs={"run_id": run.pk}, queue=queue
    )
    assert again.get(timeout=60) == {"run": run.pk, "state": "succeeded"}
    assert SummaryRun.objects.get(pk=run.pk).finished_at == run.finished_at
