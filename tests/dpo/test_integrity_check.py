"""The DPO starts a check of the log's chains from their page: the request is an event,
the page follows the run, and the result lands where the nightly check's does."""

from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from dpo.models import IntegrityCheckRun

CHECK = reverse("dpo:integrity_check")


def test_a_dpo_starts_the_check_and_the_page_shows_the_result(
    login, dpo, caseworker, record, django_capture_on_commit_callbacks
):
    record(action=AuditAction.LOGIN, user=caseworker)
    client = login(dpo)
    page = client.get(reverse("dpo:index")).content.decode()
    assert "Ikke kontrolleret endnu" in page and "Kontrollér kæden nu" in page
    with django_capture_on_commit_callbacks(execute=True):  # the task runs in-process
        response = client.post(CHECK)
    assert response.status_code == 302
    run = IntegrityCheckRun.objects.get()
    assert run.state == "succeeded" and run.requested_by == dpo
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY_REQUEST, user=dpo).count() == 1
    page = client.get(reverse("dpo:index")).content.decode()
    assert "Ikke kontrolleret endnu" not in page
    assert "Den seneste kontrol fandt ingen ændrede" in page


def test_while_a_check_runs_the_page_says_so_and_a_second_press_starts_nothing(
    login, dpo, jobcenter
):
    IntegrityCheckRun.objects.create(jobcenter=jobcenter, requested_by=dpo, state="running")
    client = login(dpo)
    page = client.get(reverse("dpo:index")).content.decode()
    assert "Kontrol startet nu: i gang." in page and 'http-equiv="refresh"' in page
    client.post(CHECK)
    assert IntegrityCheckRun.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY_REQUEST).exists()


def test_nobody_else_can_start_it(login, caseworker, manager, analyst):
    for user in (caseworker, manager, analyst):
        assert login(user).post(CHECK).status_code == 404
    assert not IntegrityCheckRun.objects.exists()
