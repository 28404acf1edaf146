"""Casework fixtures on top of the shared personas: a real (tiny) active model version,
and helpers to post the citizen page's forms."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from casework.judgements import judgement_record
from casework.models import Agreement, NextStep, RiskBand
from tests.prediction.test_views import make_active


@pytest.fixture
def active_version(citizen, analyst, manager):
    """An approved, active version of a real tree on the default specification (the
    citizen's snapshot uses it)."""
    specification = citizen.spells.get().snapshots.get().specification
    return make_active(specification, trained_by=analyst, reviewer=manager)


@pytest.fixture
def judgement_first_off(jobcenter):
    jobcenter.judgement_first = False
    jobcenter.save(update_fields=["judgement_first"])
    return jobcenter


def citizen_url(citizen, name="citizen"):
    return reverse(f"casework:{name}", kwargs={"citizen_id": citizen.pk})


def events(action=None, since=0):
    rows = AuditEvent.objects.filter(pk__gt=since).order_by("pk")
    return list(rows.filter(action=action) if action else rows)


def last_event_id():
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def judge_before_seeing(user, citizen):
    """``user`` records a judgement of the citizen's open spell without having seen the
    estimate (as the judgement-first rule asks), so the next page shows it."""
    snapshot = citizen.spells.get(end_date__isnull=True).snapshots.order_by("-pk").first()
    return judgement_record(
        user=user,
        citizen_id=citizen.pk,
        snapshot_id=snapshot.pk,
        estimate_id=None,
        risk_band=RiskBand.MEDIUM,
        agreement=Agreement.NOT_SEEN,
        next_step=NextStep.GUIDANCE,
    )
