"""The administrators' import page: upload, preview, confirm; large files through the
worker (eager here) with progress; the broker down; who may use it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from kombu.exceptions import OperationalError

from casework.models import Citizen, ImportUpload, Spell
from tests.casework.imports.helpers import csv_bytes, rows_default
from tests.factories import Role, default_feature_spec, make_staff


@pytest.fixture
def administrator(jobcenter, team_a):
    default_feature_spec()
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


def _upload(client, content, name="borgere.csv"):
    return client.post(
        reverse("casework:imports"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_it_previews_and_imports_on_confirmation(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("casework:imports")).status_code == 200
    answer = _upload(client, csv_bytes(rows_default()))
    assert answer.status_code == 302
    upload = ImportUpload.objects.get()
    assert upload.state == "previewed" and upload.report["ok"]
    page = client.get(answer["Location"]).content.decode()
    assert "Filen er gennemset uden fejl." in page and 'id="import-confirm"' in page
    assert Citizen.objects.count() == 0
    confirm = client.post(reverse("casework:import_confirm", args=[upload.pk]))
    assert confirm.status_code == 302
    upload.refresh_from_db()
    assert upload.state == "done"
    assert Spell.objects.count() == 1
    assert bytes(upload.content) == b"" and upload.sha256  # the file is not kept
    done = client.get(reverse("casework:import_detail", args=[upload.pk])).content.decode()
    assert "Importen er gennemført." in done and 'http-equiv="refresh"' not in done
    # Confirming twice does nothing more.
    client.post(reverse("casework:import_confirm", args=[upload.pk]))
    assert Spell.objects.count() == 1


def test_the_preview_lists_every_problem_with_line_column_value_and_reason(client, administrator):
    client.force_login(administrator)
    rows = rows_default()
    rows[0]["cpr"] = "3102801234"
    rows[2]["number"] = "x"
    answer = _upload(client, csv_bytes(rows))
    page = client.get(answer["Location"]).content.decode()
    assert "Filen har 3 fejl" in page  # the spell names the now unknown citizen
    assert "310280-XXXX" in page and "3102801234" not in page
    assert "Et gyldigt heltal er påkrævet." in page
    assert 'id="import-confirm"' not in page
    upload = ImportUpload.objects.get()
    answer = client.post(reverse("casework:import_confirm", args=[upload.pk]))
    assert Citizen.objects.count() == 0


def test_a_name_with_html_is_escaped_on_the_preview(client, administrator):
    client.force_login(administrator)
    rows = rows_default()
    rows[0]["name"] = "<script>alert(1)</script>" + "x" * 300  # too long: shown in the error
    answer = _upload(client, csv_bytes(rows))
    page = client.get(answer["Location"]).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_refused_file_says_why_and_keeps_nothing_imported(client, administrator, settings):
    client.force_login(administrator)
    answer = _upload(client, "navn\r\nÅse\r\n".encode("utf-16"))
    page = client.get(answer["Location"]).content.decode()
    assert "UTF-8 eller Windows-1252" in page
    settings.IMPORT_MAX_BYTES = 10
    answer = _upload(client, csv_bytes(rows_default()))
    assert answer.status_code == 400
    assert "Filen er for stor" in answer.content.decode()


def test_a_large_file_goes_through_the_worker_with_progress(client, administrator, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(administrator)
    answer = _upload(client, csv_bytes(rows_default()))
    upload = ImportUpload.objects.get()
    # Eager in the tests: the task ran inside the request.
    assert upload.state == "previewed" and upload.rows_done == upload.rows_total == 6
    client.post(reverse("casework:import_confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.state == "done" and Spell.objects.count() == 1
    del answer


def test_the_status_page_refreshes_and_announces_progress(client, administrator):
    client.force_login(administrator)
    _upload(client, csv_bytes(rows_default()))
    upload = ImportUpload.objects.get()
    ImportUpload.objects.filter(pk=upload.pk).update(state="running", rows_done=3, rows_total=6)
    page = client.get(reverse("casework:import_detail", args=[upload.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "3 af 6 poster." in page and 'role="status"' in page


def test_an_unreachable_broker_is_said_at_once_and_leaves_nothing_queued(
    client, administrator, settings, monkeypatch
):
    from casework import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(administrator)
    monkeypatch.setattr(tasks.import_upload_preview_task, "apply_async", refuse)
    answer = _upload(client, csv_bytes(rows_default()))
    assert answer.status_code == 400
    assert "Baggrundsjob kan ikke startes" in answer.content.decode()
    assert not ImportUpload.objects.filter(state__in=["queued", "preview_queued"]).exists()

    monkeypatch.undo()
    _upload(client, csv_bytes(rows_default()))
    upload = ImportUpload.objects.get(state="previewed")
    monkeypatch.setattr(tasks.import_upload_execute_task, "apply_async", refuse)
    client.post(reverse("casework:import_confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.state == "previewed"  # back as it was, not left queued
    assert Spell.objects.count() == 0


def test_another_administrators_upload_is_not_found(client, administrator, jobcenter):
    client.force_login(administrator)
    _upload(client, csv_bytes(rows_default()))
    upload = ImportUpload.objects.get()
    other = make_staff("otto", Role.ADMINISTRATOR, jobcenter=jobcenter)
    client.force_login(other)
    assert client.get(reverse("casework:import_detail", args=[upload.pk])).status_code == 404
    assert client.post(reverse("casework:import_confirm", args=[upload.pk])).status_code == 404


def test_only_administrators_may_import(client, caseworker, manager, dpo, analyst):
    for user in (caseworker, manager, dpo, analyst):
        client.force_login(user)
        assert client.get(reverse("casework:imports")).status_code == 404


def test_the_page_and_its_reasons_are_in_english_for_an_english_reader(client, administrator):
    client.force_login(administrator)
    client.cookies["django_language"] = "en"
    rows = rows_default()
    rows[2]["number"] = "x"
    answer = _upload(client, csv_bytes(rows))
    page = client.get(answer["Location"]).content.decode()
    assert "Import of borgere.csv" in page
    assert "A valid integer is required." in page
    assert "The file has 1 error, so nothing can be imported." in page
