"""Service accounts and their keys: created (command, admin, service), stored only as a
hash, expiring, revoked by an administrator of the same jobcenter; a key valid,
expired, revoked, unknown or missing; a session of a service account refused."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from jobcenter.models import Role, ServiceAccountKey
from jobcenter.service_accounts import (
    ServiceAccountRefused,
    service_account_create,
    service_account_key_create,
    service_account_key_revoke,
)
from tests.api.conftest import expire, key_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

MODELS = "/api/v1/models/"


@pytest.fixture
def administrator(jobcenter):
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


def assessment(citizen):
    return reverse("casework_api:citizen_assessment", kwargs={"citizen_id": citizen.pk})


def test_it_creates_an_account_with_no_password_and_a_hashed_expiring_key(jobcenter):
    issued = service_account_create(jobcenter=jobcenter, name="sagssystem", days=30)
    user = issued.record.user
    assert user.role == Role.SERVICE and user.jobcenter == jobcenter
    assert not user.has_usable_password() and not user.is_staff
    stored = ServiceAccountKey.objects.get(pk=issued.record.pk)
    assert issued.key.startswith(stored.prefix + ".")
    assert issued.key not in stored.hashed_key and stored.hashed_key.startswith("sha512$$")
    assert stored.expiry_date is not None and not stored.has_expired
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == [AuditAction.SERVICE_ACCOUNT_CREATE, AuditAction.SERVICE_KEY_CREATE]
    assert issued.key not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_a_second_account_of_the_same_name_is_refused(service_key, jobcenter):
    with pytest.raises(ServiceAccountRefused):
        service_account_create(jobcenter=jobcenter, name="sagssystem", days=30)


def test_a_key_must_expire_within_the_limit(jobcenter, settings):
    settings.SERVICE_ACCOUNT_KEY_MAX_DAYS = 90
    with pytest.raises(ServiceAccountRefused):
        service_account_create(jobcenter=jobcenter, name="sagssystem", days=91)
    with pytest.raises(ServiceAccountRefused):
        service_account_create(jobcenter=jobcenter, name="sagssystem", days=0)


def test_the_command_prints_the_key_once(jobcenter, citizen):
    out = io.StringIO()
    call_command("create_service_account", jobcenter="901", name="sagssystem", days=10, stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key_client(key).get(assessment(citizen)).status_code == 200
    record = ServiceAccountKey.objects.get()
    assert record.user.username == "service-901-sagssystem"


def test_a_valid_key_authenticates_as_the_service_account(service_client, citizen):
    assert service_client.get(assessment(citizen)).status_code == 200


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown", "garbage", "deactivated"])
def test_a_key_that_is_not_valid_is_a_401_problem(service_key, citizen, state):
    user, key = service_key
    if state == "expired":
        expire(key)
    elif state == "revoked":
        service_account_key_revoke(key=ServiceAccountKey.objects.get(user=user), actor=None)
    elif state == "unknown":
        key = key.partition(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    elif state == "garbage":
        key = "x"
    elif state == "deactivated":
        user.is_active = False
        user.save(update_fields=["is_active"])
    answer = key_client(key).get(assessment(citizen))
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer["WWW-Authenticate"] == "Api-Key"
    body = answer.json()
    assert body["detail_da"] == "API-nøglen er ukendt, udløbet eller tilbagekaldt."
    assert body["detail_en"] == "The API key is unknown, expired or revoked."
    assert not AuditEvent.objects.filter(action=AuditAction.CITIZEN_VIEW).exists()


def test_no_key_and_no_session_is_a_401_problem(client, citizen):
    answer = client.get(assessment(citizen))
    assert answer.status_code == 401 and answer.json()["status"] == 401


def test_a_person_cannot_have_keys(caseworker, jobcenter):
    with pytest.raises(ServiceAccountRefused):
        service_account_key_create(user=caseworker, name="x", days=5)
    person = make_staff("sara", Role.SERVICE, jobcenter=jobcenter)  # a password: a person
    with pytest.raises(ServiceAccountRefused):
        service_account_key_create(user=person, name="x", days=5)


def test_only_an_administrator_of_the_same_jobcenter_revokes_a_key(
    service_key, administrator, manager, foreign_caseworker
):
    user, _key = service_key
    record = ServiceAccountKey.objects.get(user=user)
    for actor in (manager, foreign_caseworker):
        with pytest.raises(ServiceAccountRefused):
            service_account_key_revoke(key=record, actor=actor)
    service_account_key_revoke(key=record, actor=administrator)
    record.refresh_from_db()
    assert record.revoked
    event = AuditEvent.objects.get(action=AuditAction.SERVICE_KEY_REVOKE)
    assert event.user_id == administrator.pk and event.object_id == record.prefix


def test_a_session_of_a_service_account_is_refused_everywhere(client, service, citizen):
    client.force_login(service)
    assert client.get(reverse("home")).status_code == 403
    client.force_login(service)
    answer = client.get(assessment(citizen))
    assert answer.status_code in (401, 403)
    assert answer["Content-Type"] == "application/problem+json"


def test_the_api_key_is_not_held_to_the_second_factor_but_a_session_is(
    client, settings, service_client, caseworker, citizen
):
    settings.TWO_FACTOR_REQUIRED = True
    assert service_client.get(assessment(citizen)).status_code == 200
    client.force_login(caseworker)  # not verified
    answer = client.get(assessment(citizen))
    assert answer.status_code == 403
    body = answer.json()
    assert body["detail_en"] == "Confirm your login with the second step before using the API."


# -- The admin ----------------------------------------------------------------------------


def test_the_admin_issues_a_key_once_and_revokes_it_in_the_own_jobcenter_only(
    client, administrator, service_key, foreign_service_key, citizen
):
    client.force_login(administrator)
    changelist = client.get(reverse("admin:jobcenter_serviceaccountkey_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    own = ServiceAccountKey.objects.get(user=service_key[0])
    foreign = ServiceAccountKey.objects.get(user=foreign_service_key[0])
    assert own.prefix in page and foreign.prefix not in page

    answer = client.post(
        reverse("admin:jobcenter_serviceaccountkey_add"),
        {"account": service_key[0].pk, "name": "rotation", "days": 30},
        follow=True,
    )
    assert answer.status_code == 200
    messages = [str(m) for m in answer.context["messages"]]
    key = next(m for m in messages if "API-nøglen er:" in m).split("API-nøglen er: ")[1].split()[0]
    assert key_client(key).get(assessment(citizen)).status_code == 200
    assert ServiceAccountKey.objects.filter(user=service_key[0]).count() == 2

    answer = client.post(
        reverse("admin:jobcenter_serviceaccountkey_changelist"),
        {"action": "revoke_keys", "_selected_action": [own.pk, foreign.pk]},
    )
    assert answer.status_code == 302
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.revoked and not foreign.revoked  # another jobcenter's key is out of reach
    assert key_client(service_key[1]).get(assessment(citizen)).status_code == 401
    assert key_client(foreign_service_key[1]).get(MODELS).status_code == 404


def test_the_admin_creates_a_new_service_account(client, administrator, jobcenter):
    client.force_login(administrator)
    answer = client.post(
        reverse("admin:jobcenter_serviceaccountkey_add"),
        {"account": "", "name": "journal", "days": 30},
        follow=True,
    )
    assert answer.status_code == 200
    record = ServiceAccountKey.objects.get()
    assert record.user.role == Role.SERVICE and record.user.jobcenter == jobcenter
    assert record.user.username == "service-901-journal"


def test_the_admin_refuses_a_second_account_of_the_same_name(client, administrator, service):
    client.force_login(administrator)
    answer = client.post(
        reverse("admin:jobcenter_serviceaccountkey_add"),
        {"account": "", "name": "sagssystem", "days": 30},
    )
    assert answer.status_code == 200  # the form again, with the error
    assert "Der findes allerede en tjenestekonto med det navn." in answer.content.decode()
    assert ServiceAccountKey.objects.count() == 1
