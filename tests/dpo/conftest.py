"""Personas and helpers for the DPO's pages."""

import pytest
from django.db import transaction

from audit.services import audit_record
from tests.factories import JobcenterFactory, Role, TeamFactory, make_staff


@pytest.fixture
def foreign_dpo(db):
    elsewhere = JobcenterFactory(name="Jobcenter Andetsteds", municipality_code="902")
    TeamFactory(jobcenter=elsewhere, name="Team A")
    return make_staff("fiona", Role.DPO, jobcenter=elsewhere)


@pytest.fixture
def administrator(jobcenter):
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


@pytest.fixture
def record():
    def _record(**kwargs):
        with transaction.atomic():
            return audit_record(**kwargs)

    return _record
