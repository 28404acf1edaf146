"""The DPO's page of signed audit checkpoints and the download of their chain's lines:
DPO only (404 for everyone else), audited, and only the DPO's own jobcenter's chain."""

import json

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.checkpoints import (
    audit_external_checkpoint_write,
    line_signature_valid,
    verifying_key,
)
from audit.models import AuditEvent
from tests.audit.helpers import record

PAGE = reverse("dpo:checkpoints")
DOWNLOAD = reverse("dpo:checkpoints_download")


@pytest.fixture
def written(caseworker, foreign_dpo):
    record(user=caseworker)
    record(user=foreign_dpo)
    return audit_external_checkpoint_write(reason="hourly")


@pytest.mark.parametrize("persona", ["caseworker", "manager", "analyst", "administrator"])
@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_it_is_not_there_for_anyone_but_the_dpo(login, request, persona, url, written):
    client = login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 404


def test_it_needs_a_login(client, url=PAGE):
    assert client.get(url).status_code == 302


def test_the_dpo_sees_their_chains_checkpoints_and_the_view_is_audited(login, dpo, written):
    response = login(dpo).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    sequence, head_hash = written.heads[dpo.jobcenter_id]
    assert head_hash[:16] in page and "Gyldig" in page
    event = AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW).latest("pk")
    assert event.user == dpo and event.details["view"] == "external_checkpoints"


def test_the_download_holds_only_their_chain_signed_and_is_audited(
    login, dpo, foreign_dpo, written
):
    response = login(dpo).get(DOWNLOAD)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    lines = [json.loads(text) for text in b"".join(response.streaming_content).splitlines()]
    assert lines and {line["chain"] for line in lines} == {dpo.jobcenter_id}
    assert all(line_signature_valid(line, verifying_key()) for line in lines)
    assert lines[-1]["hash"] == written.heads[dpo.jobcenter_id][1]
    event = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).get()
    assert event.user == dpo and event.details["format"] == "external_checkpoints"


def test_the_page_before_any_checkpoint(login, dpo):
    response = login(dpo).get(PAGE)
    assert "Der er ikke skrevet kontrolpunkter endnu." in response.content.decode()
