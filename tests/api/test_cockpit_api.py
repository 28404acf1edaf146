"""The cockpit through the API: the manager's own jobcenter's tables, the same cells as
the page's CSV files (small ones hidden), the same filters (a wrong one is a 400 with
the field), and for anyone else the cockpit's 404."""

import csv
import io

from django.test import Client
from django.urls import reverse

from tests.cockpit.conftest import computed, history  # noqa: F401 - the cockpit's fixtures
from tests.factories import JobcenterFactory, Role, make_staff

URL = "/api/v1/cockpit/"


def _csv(client, key, **query) -> list[list[str]]:
    body = client.get(reverse("cockpit:table_csv", args=[key]), query).content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))[1:]


def test_the_manager_gets_every_table_with_the_same_cells_as_the_csv(
    client, computed, manager, history  # noqa: F811
):
    client.force_login(manager)
    answer = client.get(URL)
    assert answer.status_code == 200
    body = answer.json()
    tables = {table["key"]: table for table in body["tables"]}
    assert {"judgements", "risk_bands", "disagreement_reasons"} <= set(tables)
    assert body["computed_at"] and body["months"]
    for key in ("judgements", "risk_bands", "disagreement_reasons"):
        table = tables[key]
        rows = [["", *table["columns"]]] + [
            [row["label"], *(value["text"] for value in row["values"])] for row in table["rows"]
        ]
        assert rows == _csv(client, key), key
    hidden = [
        value
        for table in body["tables"]
        for row in table["rows"]
        for value in row["values"]
        if value["hidden"]
    ]
    assert hidden and all(value["text"] == "<5" for value in hidden)
    for user in history.caseworkers:  # aggregates only: no caseworker is named
        assert user.username not in answer.content.decode()


def test_the_filters_are_the_pages_and_a_wrong_one_is_a_400_with_the_field(
    client, computed, manager, history  # noqa: F811
):
    client.force_login(manager)
    team = history.teams["b"]
    body = client.get(URL, {"team": team.pk}).json()
    assert body["filters"]["team_id"] == team.pk
    tables = {table["key"]: table for table in body["tables"]}
    rows = [["", *tables["judgements"]["columns"]]] + [
        [row["label"], *(v["text"] for v in row["values"])] for row in tables["judgements"]["rows"]
    ]
    assert rows == _csv(client, "judgements", team=team.pk)
    answer = client.get(URL, {"team": "999999"})
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    assert [error["field"] for error in answer.json()["errors"]] == ["team"]
    months = body["months"]
    answer = client.get(URL, {"first": months[-1], "last": months[0]})
    if months[0] != months[-1]:
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["message_en"]


def test_nobody_but_a_manager_and_no_other_jobcenter_gets_the_figures(
    client, computed, caseworker, dpo, analyst, jobcenter, history  # noqa: F811
):
    administrator = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    for user in (caseworker, dpo, analyst, administrator):
        client.force_login(user)
        answer = client.get(URL)
        assert answer.status_code == 404, user.username
    # Another jobcenter's manager: their own (empty) cockpit, nothing of this one's.
    elsewhere = JobcenterFactory(name="Jobcenter Fjernby", municipality_code="903")
    client.force_login(make_staff("fie", Role.MANAGER, jobcenter=elsewhere))
    answer = client.get(URL)
    body = answer.json()
    assert body["computed_at"] is None and body["months"] == [] and body["teams"] == []
    for team in history.teams.values():
        assert team.name not in answer.content.decode()
    assert Client().get(URL).status_code in {401, 403}
