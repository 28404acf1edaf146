"""Hostile input from an import: markup in a name is escaped on every page it reaches,
SQL-looking text is stored as it was, and every CSV export turns a cell that starts a
formula (= + - @, a tab or a carriage return) into text."""

import csv
import io
import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from audit.actions import AuditAction
from audit.services import audit_record
from casework.models import Citizen
from cockpit.models import SummaryRun
from cockpit.summaries import summary_run_execute
from jobcenter.models import Team
from jobcenter.service_accounts import service_account_create
from jobcenter.spreadsheets import FORMULA_STARTS
from tests.cockpit.conftest import history  # noqa: F401 - the cockpit's fixture
from tests.factories import default_feature_spec

SCRIPT = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://angriber.example","klik")'


def _cells(text: str, delimiter=";") -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
        for cell in row
    ]


def test_markup_in_an_imported_name_is_escaped_on_the_citizen_page_and_search(
    client, jobcenter, team_a, caseworker
):
    default_feature_spec()
    service = service_client(jobcenter)
    records = [
        {"record_type": "citizen", "cpr": "0101801234", "name": f"Karen {SCRIPT}"},
        {
            "record_type": "spell",
            "spell_id": "F-1",
            "cpr": "0101801234",
            "team": "Team A",
            "caseworker": caseworker.username,
            "benefit_type": "dagpenge",
            "start_date": "2026-08-03",
        },
    ]
    answer = service.post(
        reverse("api_records"),
        data=json.dumps({"records": records}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    citizen = Citizen.objects.get()
    assert citizen.name == f"Karen {SCRIPT}"  # stored as sent
    client.force_login(caseworker)
    for page in (
        client.get(reverse("casework:citizen", args=[citizen.pk])),
        client.get(reverse("casework:caseload")),
        client.post(reverse("casework:search"), {"query": "Karen"}),
    ):
        text = page.content.decode()
        assert SCRIPT not in text
    assert (
        "&lt;script&gt;"
        in client.get(reverse("casework:citizen", args=[citizen.pk])).content.decode()
    )


def test_a_team_name_that_starts_a_formula_is_text_in_every_cockpit_csv(
    client,
    history,  # noqa: F811
    jobcenter,
    manager,
    monkeypatch,  # noqa: F811
):
    """No cockpit table shows a team's name today (their rows are months and bands);
    the export escapes whatever text a table gives it all the same."""
    from cockpit import views as cockpit_views

    Team.objects.filter(pk=history.teams["b"].pk).update(name=FORMULA)
    run = summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=jobcenter).pk)
    assert run.state == SummaryRun.State.SUCCEEDED
    client.force_login(manager)
    keys = (
        "judgements",
        "risk_bands",
        "disagreement_reasons",
        "open_bands",
        "activity",
        "outcome_bands",
        "right",
        "disagreement_outcome",
    )
    for key in keys:
        answer = client.get(reverse("cockpit:table_csv", args=[key]))
        if answer.status_code == 200:
            cells = _cells(answer.content.decode("utf-8"))
            assert not [c for c in cells if c.startswith(FORMULA_STARTS)], key

    class Hostile:
        title = FORMULA

        def csv_rows(self):
            return [["", "+SUM(1)"], ["@cmd", "-2"], ["\tx", "\ry"]]

    monkeypatch.setattr(cockpit_views, "_table", lambda request, key: Hostile())
    cells = _cells(client.get(reverse("cockpit:table_csv", args=["judgements"])).content.decode())
    assert "'" + FORMULA in cells and "'+SUM(1)" in cells and "'@cmd" in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_audit_export_neutralises_every_formula_start(client, dpo, caseworker, start):
    with transaction.atomic():
        audit_record(action=AuditAction.LOGIN, user=caseworker, reason=f"{start}1+1")
    client.force_login(dpo)
    answer = client.get(reverse("dpo:export_csv"))
    text = b"".join(answer.streaming_content).decode("utf-8")
    cells = _cells(text)
    assert f"'{start}1+1" in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]


def test_sql_looking_text_is_stored_verbatim_through_the_api(client, jobcenter, team_a):
    default_feature_spec()
    name = "x'; DROP TABLE casework_citizen; --"
    answer = service_client(jobcenter).post(
        reverse("api_record_create", kwargs={"record_type": "citizens"}),
        data=json.dumps({"cpr": "0101801234", "name": name}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert Citizen.objects.get().name == name


def service_client(jobcenter) -> Client:
    """The case system calling with its own API key, as it does in production."""
    issued = service_account_create(jobcenter=jobcenter, name="fasit", days=30)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {issued.key}")
