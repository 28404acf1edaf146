"""The estimate on the citizen page: what it shows, when it hides, and that seeing it is
always in the log (no event, no estimate)."""

import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.actions import AuditAction
from casework.models import Estimate, Judgement
from casework.services import objection_record
from prediction.models import ScoringControl
from tests.casework.conftest import citizen_url, events, last_event_id
from tests.factories import DEFAULT_SNAPSHOT_VALUES, default_jobcenter, make_citizen_with_spell

BACKGROUND = (
    "Baggrundsviden til din egen faglige vurdering – ikke en afgørelse og ikke en anbefaling."
)


def _judge(client, citizen, band="medium", **extra):
    page_snapshot = citizen.spells.get().snapshots.order_by("-pk").first()
    data = {"snapshot_id": page_snapshot.pk, "risk_band": band, "next_step": "guidance"} | extra
    return client.post(citizen_url(citizen, "judgement"), data)


def _canonical_hash(values):
    inputs = {
        name: entry["value"]
        for name, entry in values.items()
        if name not in ("gender", "origin", "postal_code")
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_it_always_says_the_estimate_is_background_not_a_decision(login, caseworker, citizen):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert BACKGROUND in page
    assert "Lad ikke tallet veje tungere" in page


def test_judgement_first_hides_the_estimate_until_the_caseworker_has_judged(
    login, caseworker, citizen, active_version
):
    client = login(caseworker)
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Registrér først din egen vurdering" in page
    assert 'id="estimate-probability"' not in page
    assert 'name="agreement"' not in page  # nothing to agree with yet
    assert not events(AuditAction.ESTIMATE_VIEW)

    assert _judge(client, citizen).status_code == 302
    judgement = Judgement.objects.get()
    assert judgement.agreement == "not_seen" and judgement.estimate is None

    page = client.get(citizen_url(citizen)).content.decode()
    assert 'id="estimate-probability"' in page
    assert 'id="judgement-band"' in page  # both side by side
    assert 'name="agreement"' in page


def test_a_colleague_must_judge_for_themselves_first(
    login, caseworker, colleague, citizen, active_version
):
    _judge(login(caseworker), citizen)
    page = login(colleague).get(citizen_url(citizen)).content.decode()
    assert "Registrér først din egen vurdering" in page


def test_the_shown_estimate_explains_itself(
    login, caseworker, citizen, active_version, judgement_first_off
):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    estimate = Estimate.objects.get()
    assert estimate.model_version == active_version
    percent = f"{round(estimate.probability * 100)} %"
    assert f"<strong>{percent}</strong>" in page
    assert "95 %-interval" in page
    assert "lignende tidligere borger" in page
    assert "Til sammenligning: blandt alle tidligere borgere" in page
    assert 'id="rules"' in page and 'id="rule-1"' in page
    assert "Ydelse" in page  # a rule's plain-Danish text names its input
    assert "Et simpelt gæt" in page and "AUC" in page
    majority = round(active_version.metrics["majority_accuracy"] * 100)
    assert f"{majority} %" in page
    assert f"version {active_version.number}" in page
    assert f"/transparency/901/#model-{active_version.pk}" in page
    assert "Det er ikke en afgørelse" in page  # what the figure does not mean
    # The bands are defined where they are used, from the version's own limits.
    low, high = (round(c * 100) for c in active_version.band_cutoffs)
    assert (
        f"Lav: under {low} %. Middel: fra {low} % til under {high} %. Høj: {high} % eller mere."
        in page
    )


def test_rules_are_in_english_when_english_is_chosen(
    client, login, caseworker, citizen, active_version, judgement_first_off
):
    login(caseworker)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Benefit type" in page
    assert "It is not a decision" in page


def test_viewing_the_estimate_is_logged_with_version_inputs_and_output(
    login, caseworker, citizen, active_version, judgement_first_off
):
    before = last_event_id()
    login(caseworker).get(citizen_url(citizen))
    (event,) = events(AuditAction.ESTIMATE_VIEW, since=before)
    estimate = Estimate.objects.get()
    assert event.model_version_id == active_version.pk
    stored = citizen.spells.get().snapshots.get().values  # parsed: 34 is stored as 34.0
    assert event.inputs_hash == _canonical_hash(stored) != ""
    assert _canonical_hash(stored) == _canonical_hash(dict(reversed(list(stored.items()))))
    assert event.output == {"band": estimate.band, "probability": round(estimate.probability, 6)}
    assert event.citizen_id == citizen.pk and event.flags == []
    # The lookup and the estimate view are both in the log, nothing else.
    assert [e.action for e in events(since=before)] == [
        AuditAction.CITIZEN_VIEW,
        AuditAction.ESTIMATE_VIEW,
    ]


def _audit_refuses_estimate_views():
    """A real failure in the database: a trigger that rejects ESTIMATE_VIEW rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_estimate_view() RETURNS trigger AS $$ BEGIN "
                "IF NEW.action = 'estimate.view' THEN RAISE EXCEPTION 'audit down'; END IF; "
                "RETURN NEW; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_estimate_view BEFORE INSERT ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_estimate_view()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_estimate_view BEFORE INSERT ON audit_auditevent "
                "WHEN NEW.action = 'estimate.view' BEGIN SELECT RAISE(ABORT, 'audit down'); END"
            )


def test_no_event_no_estimate(login, caseworker, citizen, active_version, judgement_first_off):
    _audit_refuses_estimate_views()
    response = login(caseworker).get(citizen_url(citizen))
    page = response.content.decode()
    assert response.status_code == 200
    assert "visningen ikke kunne registreres i loggen" in page
    assert 'id="estimate-probability"' not in page and 'id="rules"' not in page
    assert not events(AuditAction.ESTIMATE_VIEW)
    assert not Estimate.objects.exists()  # rolled back with the failed event
    assert len(events(AuditAction.CITIZEN_VIEW)) == 1  # the lookup itself is logged


def test_paused_scoring_shows_a_message_instead_of_a_score(
    login, caseworker, citizen, active_version, judgement_first_off
):
    ScoringControl.objects.update_or_create(
        jobcenter=default_jobcenter(), defaults={"scoring_paused": True, "pause_reason": "test"}
    )
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert "Brugen af modellen er midlertidigt stoppet" in page
    assert 'id="estimate-probability"' not in page
    assert not events(AuditAction.ESTIMATE_VIEW)


def test_no_active_model_shows_a_message(login, caseworker, citizen, judgement_first_off):
    page = login(caseworker).get(citizen_url(citizen)).content.decode()
    assert "Der er ingen godkendt model i brug" in page


def test_a_missing_required_input_is_named(
    login, caseworker, team_a, active_version, judgement_first_off
):
    values = dict(DEFAULT_SNAPSHOT_VALUES)
    values["benefit_type"] = {"value": None, "source": "Fagsystem", "date": "2026-10-01"}
    other, spell = make_citizen_with_spell(team=team_a, caseworker=caseworker, snapshot=False)
    from casework.services import snapshot_create

    snapshot_create(
        spell=spell,
        specification=active_version.specification,
        as_of=spell.start_date,
        values=values,
    )
    page = login(caseworker).get(citizen_url(other)).content.decode()
    assert "Der kan ikke beregnes et skøn, fordi denne oplysning mangler: Ydelse" in page
    assert not events(AuditAction.ESTIMATE_VIEW)


def test_an_objection_hides_even_a_score_computed_before_it(
    login, caseworker, citizen, active_version, judgement_first_off
):
    client = login(caseworker)
    client.get(citizen_url(citizen))
    assert Estimate.objects.exists()
    import datetime

    objection_record(
        user=caseworker, citizen_id=citizen.pk, received_on=datetime.date.today(), channel="phone"
    )
    before = last_event_id()
    page = client.get(citizen_url(citizen)).content.decode()
    assert "Borgeren har gjort indsigelse mod profilering" in page
    assert 'id="estimate-probability"' not in page
    # The objection stops profiling, not the caseworker's own judgement (issue 13).
    assert 'id="judgement-form"' in page
    assert 'name="agreement"' not in page
    assert not events(AuditAction.ESTIMATE_VIEW, since=before)


def test_before_meeting_two_it_says_how_many_meetings_were_held(login, caseworker, team_a):
    early, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=1, name="Ole")
    page = login(caseworker).get(citizen_url(early)).content.decode()
    assert "først laves en vurdering efter borgerens 2. samtale" in page
    assert "Der er holdt 1 samtale i forløbet." in page
    assert 'id="judgement-form"' not in page


@pytest.mark.parametrize("judgement_first", [True, False])
def test_the_page_uses_a_small_fixed_number_of_queries(
    login,
    caseworker,
    citizen,
    team_a,
    active_version,
    jobcenter,
    judgement_first,
    django_assert_max_num_queries,
):
    jobcenter.judgement_first = judgement_first
    jobcenter.save()
    client = login(caseworker)
    busy, _ = make_citizen_with_spell(team=team_a, caseworker=caseworker, meetings=6, name="Bo")
    counts = []
    for who in (citizen, busy):
        client.get(citizen_url(who))  # warm: caches, and the estimate row is written once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(citizen_url(who))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(25):
        client.get(citizen_url(citizen))
