"""The DPO's queue of break-the-glass accesses: what waits, a verdict (audited), the
count on the front page, and nobody else's business."""

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from dpo.models import BreakGlassReview

QUEUE = reverse("dpo:break_glass")


@pytest.fixture
def accesses(record, other_caseworker, citizen):
    return [
        record(
            action=AuditAction.BREAK_GLASS,
            user=other_caseworker,
            citizen_id=citizen.pk,
            reason=reason,
            flags=["break_glass", "outside_caseload"],
        )
        for reason in ("Borgeren ringede, kollegaen er syg", "Overdragelse af sagen")
    ]


def review(client, event, **data):
    return client.post(reverse("dpo:break_glass_review", args=[event.pk]), data)


def test_the_front_page_counts_what_waits_and_the_queue_lists_it_oldest_first(login, dpo, accesses):
    client = login(dpo)
    assert "2 nødadgange venter på gennemgang" in client.get(reverse("dpo:index")).content.decode()
    page = client.get(QUEUE).content.decode()
    first, second = (page.index(a.reason) for a in accesses)
    assert first < second
    assert "charlie" in page and "Karen Jensen" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.AUDIT_VIEW, user=dpo, object_type="break_glass_queue"
    ).exists()


def test_a_verdict_is_recorded_once_and_audited_in_the_same_step(login, dpo, accesses):
    client = login(dpo)
    before = AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEW).count()
    response = review(client, accesses[0], verdict="justified", note="")
    assert response.status_code == 302
    saved = BreakGlassReview.objects.get(event_id=accesses[0].pk)
    assert saved.verdict == "justified" and saved.reviewed_by == dpo
    event = AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEW).get()
    assert before == 0 and event.object_id == str(accesses[0].pk)
    assert event.details["verdict"] == "justified"
    page = client.get(QUEUE).content.decode()
    assert "1 venter på gennemgang" in page and "Senest gennemgået" in page
    assert "1 nødadgang venter på gennemgang" in client.get(reverse("dpo:index")).content.decode()
    # The same access again: refused, nothing more written.
    again = review(client, accesses[0], verdict="not_justified", note="Nej")
    assert again.status_code == 400
    assert "allerede gennemgået" in again.content.decode()
    assert BreakGlassReview.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEW).count() == 1


def test_not_justified_needs_a_note_and_bad_input_changes_nothing(login, dpo, accesses):
    client = login(dpo)
    response = review(client, accesses[1], verdict="not_justified", note="  ")
    assert response.status_code == 400
    assert "Skriv, hvorfor adgangen ikke var begrundet" in response.content.decode()
    response = review(client, accesses[1], verdict="maybe")
    assert response.status_code == 400
    assert not BreakGlassReview.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEW).exists()


def test_only_break_the_glass_events_of_the_dpo_s_own_jobcenter(
    login, dpo, foreign_dpo, accesses, record, caseworker
):
    other_event = record(action=AuditAction.LOGIN, user=caseworker)
    client = login(dpo)
    assert review(client, other_event, verdict="justified").status_code == 404
    foreign = login(foreign_dpo)
    assert "Borgeren ringede" not in foreign.get(QUEUE).content.decode()
    assert review(foreign, accesses[0], verdict="justified").status_code == 404
    assert not BreakGlassReview.objects.exists()


@pytest.mark.parametrize("persona", ["caseworker", "manager", "analyst", "other_caseworker"])
def test_everyone_else_gets_a_404(request, login, accesses, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 404
    assert review(client, accesses[0], verdict="justified").status_code == 404


def test_a_cpr_number_in_the_review_note_is_refused(login, dpo, accesses):
    response = review(login(dpo), accesses[0], verdict="not_justified", note="Se 170492-1234")
    assert response.status_code == 400
    assert "Skriv ikke et CPR-nummer" in response.content.decode()
    assert not BreakGlassReview.objects.exists()
