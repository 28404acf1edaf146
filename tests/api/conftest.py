"""API fixtures on top of the shared personas: the jobcenter's service account (the
case system) with a valid key, one in another jobcenter, and clients that call as them
(API key) or as a person (session, CSRF enforced as in production)."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from jobcenter.models import ServiceAccountKey
from jobcenter.service_accounts import service_account_create
from tests.factories import JobcenterFactory
from tests.prediction.test_views import make_active


@pytest.fixture(autouse=True)
def _throttle_counts_reset():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service_key(jobcenter):
    """(the service account, its key in clear) of the caseworkers' jobcenter."""
    issued = service_account_create(jobcenter=jobcenter, name="sagssystem", days=30)
    return issued.record.user, issued.key


@pytest.fixture
def service(service_key):
    return service_key[0]


@pytest.fixture
def foreign_service_key(db):
    elsewhere = JobcenterFactory(name="Jobcenter Fjernby", municipality_code="903")
    issued = service_account_create(jobcenter=elsewhere, name="sagssystem", days=30)
    return issued.record.user, issued.key


def key_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


@pytest.fixture
def service_client(service_key):
    return key_client(service_key[1])


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def active_version(citizen, analyst, manager):
    specification = citizen.spells.get().snapshots.get().specification
    return make_active(specification, trained_by=analyst, reviewer=manager)


@pytest.fixture
def judgement_first_off(jobcenter):
    jobcenter.judgement_first = False
    jobcenter.save(update_fields=["judgement_first"])
    return jobcenter


def expire(key: str) -> None:
    prefix = key.partition(".")[0]
    ServiceAccountKey.objects.filter(prefix=prefix).update(
        expiry_date=timezone.now() - datetime.timedelta(minutes=1)
    )
