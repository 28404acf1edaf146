"""The write API: single, bulk and mixed batches through the same service as the file
import; all or nothing; idempotent; Idempotency-Key; limits; who may write."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from casework.models import Citizen, IdempotencyKey, Meeting, Spell
from jobcenter.service_accounts import service_account_create
from tests.factories import Role, default_feature_spec, make_staff

CITIZEN = {"cpr": "010180-1234", "name": "Karen Jensen", "postal_code": "7400"}
SPELL = {
    "spell_id": "F-1",
    "cpr": "0101801234",
    "team": "Team A",
    "benefit_type": "dagpenge",
    "start_date": "2026-08-03",
}


@pytest.fixture
def service_key(jobcenter, team_a):
    """(the case system's service account, its API key in clear)."""
    default_feature_spec()
    issued = service_account_create(jobcenter=jobcenter, name="fasit", days=30)
    return issued.record.user, issued.key


@pytest.fixture
def service(service_key):
    return service_key[0]


@pytest.fixture
def api(service_key):
    """The case system's client: its key on every call, no session."""
    return Client(HTTP_AUTHORIZATION=f"Api-Key {service_key[1]}")


def field_errors(answer) -> dict[str, list[str]]:
    """A problem's field errors (RFC 9457, jobcenter.api.problems) as {path: [Danish]}."""
    assert answer["Content-Type"].startswith("application/problem+json")
    found: dict[str, list[str]] = {}
    for error in answer.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message_da"])
    return found


def post(client, name, body, *, record_type=None, **headers):
    kwargs = {"record_type": record_type} if record_type else {}
    return client.post(
        reverse(name, kwargs=kwargs),
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_it_creates_one_record_and_the_same_again_changes_nothing(api):
    answer = post(api, "api_record_create", CITIZEN, record_type="citizens")
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 1
    again = post(api, "api_record_create", CITIZEN, record_type="citizens")
    assert again.status_code == 200
    assert again.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "counts": {"citizen": {"created": 0, "updated": 0, "unchanged": 1}},
    }
    assert Citizen.objects.count() == 1


def test_a_bulk_request_is_all_or_nothing_with_errors_by_index_and_field(api):
    post(api, "api_record_create", CITIZEN, record_type="citizens")
    spells = [dict(SPELL, spell_id=f"F-{n}") for n in range(5)]
    spells[3]["start_date"] = "31-02-2026"
    answer = post(api, "api_records_bulk", {"records": spells}, record_type="spells")
    assert answer.status_code == 400
    assert field_errors(answer) == {
        "records[3].start_date": ["Skriv datoen som ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ."]
    }
    assert Spell.objects.count() == 0
    del spells[3]
    answer = post(api, "api_records_bulk", {"records": spells}, record_type="spells")
    assert answer.status_code == 200 and answer.json()["created"] == 4


def test_a_mixed_batch_and_one_audit_event_per_batch(api):
    records = [
        {"record_type": "citizen", **CITIZEN},
        {"record_type": "spell", **SPELL},
        {"record_type": "meeting", "spell_id": "F-1", "number": 1, "held_on": "2026-08-31"},
        {
            "record_type": "outcome",
            "spell_id": "F-1",
            "unemployed_12m": True,
            "observed_on": "2027-08-31",
        },
    ]
    before = AuditEvent.objects.filter(action="data.import").count()
    answer = post(api, "api_records", {"records": records})
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 4
    assert AuditEvent.objects.filter(action="data.import").count() == before + 1
    assert Meeting.objects.get().number == 1


def test_an_idempotency_key_replays_the_first_answer(api):
    first = post(
        api, "api_record_create", CITIZEN, record_type="citizens", **{"Idempotency-Key": "abc-1"}
    )
    again = post(
        api, "api_record_create", CITIZEN, record_type="citizens", **{"Idempotency-Key": "abc-1"}
    )
    assert again.status_code == 200
    assert again.json() == first.json()  # "created": 1, not "unchanged"
    assert again["Idempotency-Replayed"] == "true"
    other = post(
        api,
        "api_record_create",
        dict(CITIZEN, name="Anden"),
        record_type="citizens",
        **{"Idempotency-Key": "abc-1"},
    )
    assert other.status_code == 422
    assert Citizen.objects.get().name == "Karen Jensen"
    assert IdempotencyKey.objects.count() == 1


def test_limits_on_records_and_body_size(api, settings):
    settings.API_MAX_RECORDS = 3
    answer = post(api, "api_records_bulk", {"records": [CITIZEN] * 4}, record_type="citizens")
    assert answer.status_code == 400
    assert "Højst 3 poster" in json.dumps(answer.json(), ensure_ascii=False)
    settings.API_MAX_BODY_BYTES = 100
    answer = post(api, "api_records_bulk", {"records": [CITIZEN] * 3}, record_type="citizens")
    assert answer.status_code == 413
    assert "for stor" in json.dumps(answer.json(), ensure_ascii=False)
    assert Citizen.objects.count() == 0


def test_deeply_nested_json_and_nested_values_are_refused_cleanly(api):
    body = '{"records": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = api.post(reverse("api_records"), data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "for dybt indlejret" in answer.content.decode()
    answer = post(
        api, "api_record_create", dict(CITIZEN, name={"first": "Karen"}), record_type="citizens"
    )
    assert answer.status_code == 400 and "name" in field_errors(answer)


def test_unknown_fields_categories_and_cpr_numbers_are_refused_in_danish(api):
    answer = post(api, "api_record_create", dict(CITIZEN, nmae="x"), record_type="citizens")
    assert field_errors(answer) == {"nmae": ["Feltet kendes ikke for denne slags post."]}
    answer = post(api, "api_record_create", dict(CITIZEN, cpr="0113801234"), record_type="citizens")
    assert field_errors(answer)["cpr"] == [
        "De første seks cifre i CPR-nummeret er ikke en gyldig dato."
    ]
    assert "0113801234" not in answer.content.decode()
    post(api, "api_record_create", CITIZEN, record_type="citizens")
    post(api, "api_record_create", SPELL, record_type="spells")
    snapshot = {"spell_id": "F-1", "as_of": "2026-09-28", "education": "phd"}
    answer = post(api, "api_record_create", snapshot, record_type="snapshots")
    assert "kendte kategorier" in field_errors(answer)["education"][0]
    assert post(api, "api_record_create", {}, record_type="unknown").status_code == 404


def test_only_service_accounts_and_administrators_may_write(
    client, jobcenter, caseworker, manager, dpo, analyst, service
):
    default_feature_spec()
    for user in (caseworker, manager, dpo, analyst):
        client.force_login(user)
        answer = post(client, "api_record_create", CITIZEN, record_type="citizens")
        assert answer.status_code == 403
    admin = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    client.force_login(admin)
    assert post(client, "api_record_create", CITIZEN, record_type="citizens").status_code == 200
    assert Citizen.objects.get().jobcenter == jobcenter


def test_a_nul_character_in_a_value_or_a_field_name_is_refused_not_a_server_error(api):
    """JSON may spell NUL (\\u0000), which no PostgreSQL text or JSON column holds: it is
    a clear 400 (and a stored first answer for a retry), never a 500."""
    bodies = {
        "nul-value": dict(CITIZEN, name="Karen\u0000Jensen"),
        "nul-field": {**CITIZEN, "na\u0000me": "x"},
    }
    for key, body in bodies.items():
        for _attempt in range(2):  # the retry gets the stored first answer
            answer = post(
                api, "api_record_create", body, record_type="citizens", **{"Idempotency-Key": key}
            )
            assert answer.status_code == 400, answer.content
            (messages,) = field_errors(answer).values()
            assert "Teksten indeholder et nul-tegn (NUL), som ikke kan gemmes." in messages
    assert not Citizen.objects.exists()
