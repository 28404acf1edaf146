"""The disk full, or the audit insert failing (issue 14, failure): no event, no action.
The estimate is not shown and the user sees why; nothing is written.

The failure is a PostgreSQL trigger on the audit table that refuses the insert, as a
full disk (SQLSTATE 53100, disk_full) or any other refusal would."""

import pytest
from django.db import connection

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Estimate, Judgement
from tests.casework.conftest import (  # noqa: F401 (fixtures)
    active_version,
    citizen_url,
    judgement_first_off,
)


@pytest.fixture
def audit_refuses(postgresql):
    """``refuse(errcode, only_action=None)``: every insert into the audit table (or only
    those of one action) fails with that SQLSTATE until the test ends."""

    def refuse(errcode: str, only_action: str | None = None):
        when = f"WHEN (NEW.action = '{only_action}')" if only_action else ""
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_audit_refuse() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION 'could not extend file: No space left on device' "
                f"USING ERRCODE = '{errcode}'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_audit_refuse BEFORE INSERT ON audit_auditevent "
                f"FOR EACH ROW {when} EXECUTE FUNCTION test_audit_refuse()"
            )

    yield refuse
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_audit_refuse ON audit_auditevent")
        cursor.execute("DROP FUNCTION IF EXISTS test_audit_refuse()")


def test_the_disk_full_the_citizen_page_says_why_and_shows_and_writes_nothing(
    audit_refuses, login, caseworker, citizen, active_version, judgement_first_off,  # noqa: F811
):
    browser = login(caseworker)
    events, estimates = AuditEvent.objects.count(), Estimate.objects.count()
    audit_refuses("disk_full")

    answer = browser.get(citizen_url(citizen))
    assert answer.status_code == 503
    page = answer.content.decode()
    assert "Handlingen kan ikke skrives i revisionsloggen lige nu" in page
    assert "Traceback" not in page and "No space left" not in page
    assert "Karen" not in page and 'id="estimate' not in page  # no citizen data, no estimate
    assert Estimate.objects.count() == estimates
    assert AuditEvent.objects.count() == events

    snapshot = citizen.spells.get().snapshots.get()
    answer = browser.post(
        citizen_url(citizen, "judgement"),
        {"snapshot_id": snapshot.pk, "next_step": "internship", "risk_band": "high",
         "agreement": "agree"},
    )
    assert answer.status_code == 503
    assert not Judgement.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_estimate_view_cannot_be_recorded_the_page_shows_no_estimate_and_says_why(
    audit_refuses, login, caseworker, citizen, active_version, judgement_first_off,  # noqa: F811
):
    browser = login(caseworker)
    estimates = Estimate.objects.count()  # the activation's re-scoring stored one
    audit_refuses("P0001", only_action=AuditAction.ESTIMATE_VIEW)

    answer = browser.get(citizen_url(citizen))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "fordi visningen ikke kunne registreres i loggen" in page
    assert 'id="estimate-band"' not in page and 'id="estimate-probability"' not in page
    assert Estimate.objects.count() == estimates
    assert not AuditEvent.objects.filter(action=AuditAction.ESTIMATE_VIEW).exists()
    # The lookup itself was recorded: the caseworker saw the citizen, not the estimate.
    assert AuditEvent.objects.filter(action=AuditAction.CITIZEN_VIEW).count() == 1


def test_the_disk_full_the_case_system_gets_a_503_problem_with_no_citizen_data(
    audit_refuses, jobcenter, citizen, active_version, judgement_first_off,  # noqa: F811
):
    from django.test import Client

    from jobcenter.service_accounts import service_account_create

    key = service_account_create(jobcenter=jobcenter, name="sagssystem", days=30).key
    case_system = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    events = AuditEvent.objects.count()
    audit_refuses("disk_full")

    answer = case_system.get(f"/api/v1/citizens/{citizen.pk}/assessment/")
    assert answer.status_code == 503 and answer["Retry-After"] == "60"
    assert answer["Content-Type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["detail_da"].startswith("Handlingen kunne ikke skrives i loggen")
    assert problem["detail_en"].startswith("The action could not be written to the log")
    body = answer.content.decode()
    assert "Karen" not in body and "probability" not in body and "No space left" not in body
    assert AuditEvent.objects.count() == events
