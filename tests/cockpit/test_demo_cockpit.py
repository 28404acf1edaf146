"""On the demo municipality, the cockpit shows every figure it has, and the demo data's
deliberate disparity by origin raises an alert (docs/synthetic-data.md, section 6)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from cockpit.models import Alert
from jobcenter.models import User


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo_setup", "--spells", "5000", "--seed", "2026", stdout=out)
    call_command("cockpit_summary", stdout=out)
    return out.getvalue()


def test_the_demo_s_disparity_by_origin_raises_an_alert(demo):
    assert "succeeded" in demo
    alerts = Alert.objects.filter(kind="fairness", details__attribute="origin")
    assert alerts.exists()
    events = AuditEvent.objects.filter(action=AuditAction.COCKPIT_ALERT)
    assert {e.details["key"] for e in events} >= set(alerts.values_list("key", flat=True))


def test_the_demo_cockpit_shows_every_section_with_figures(client, demo):
    client.force_login(User.objects.get(username="manager"))
    page = client.get(reverse("cockpit:index")).content.decode()
    for caption in (
        "Antal faglige vurderinger, og om sagsbehandleren var enig med estimatet",
        "Antal vurderinger, der var uenige med estimatet, efter begrundelse",
        "Forløb efter måned for 2. samtale og risikogruppe i det nyeste estimat",
        "Åbne forløb, da tallene blev beregnet",
        "Forløb med kendt udfald: antal og andel stadig ledige efter 12 måneder",
        "Forløb med kendt udfald, hvor sagsbehandleren var uenig med estimatet",
        "Forudsagt og faktisk andel stadig ledige, efter forudsagt sandsynlighed",
        "Modelkortets tal, det skønnede tal for de åbne forløb og det faktiske tal",
        "Den aktive versions estimater på kendte udfald, efter herkomst",
        "Population stability index (PSI) pr. input, størst først",
    ):
        assert f"<caption>{caption}</caption>" in page, caption
    assert "Forskel efter herkomst" in page  # the alert, at the top
    assert "Der er endnu for få kendte udfald" not in page
    assert "Der er ingen driftmåling" not in page
    assert "Stopkontakten er ikke slået til" in page
