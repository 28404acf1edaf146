"""A judgement made before the estimate was shown, followed by the caseworker's answer
once it was shown, counts in the cockpit as that answer: a disagreement after a reveal
is a disagreement, with its reason, not "judged before the estimate"."""

from casework.models import Estimate, Judgement, JudgementReason, RevealAnswer
from cockpit.facts import Window, _judgements
from tests.prediction.test_views import make_active


def test_an_answer_after_the_reveal_counts_as_that_answer(
    jobcenter, caseworker, citizen_spell, analyst, manager
):
    citizen, spell = citizen_spell
    snapshot = spell.snapshots.get()
    version = make_active(snapshot.specification, trained_by=analyst, reviewer=manager)
    estimate, _ = Estimate.objects.get_or_create(
        snapshot=snapshot,
        model_version=version,
        defaults={"spell": spell, "probability": 0.8, "band": "high", "leaf_id": 1},
    )
    first = {
        "jobcenter": jobcenter,
        "spell": spell,
        "snapshot": snapshot,
        "caseworker": caseworker,
        "risk_band": "low",
        "agreement": "not_seen",
        "next_step": "guidance",
    }
    answered = Judgement.objects.create(**first)
    never = Judgement.objects.create(**first)
    RevealAnswer.objects.create(
        jobcenter=jobcenter,
        judgement=answered,
        estimate=estimate,
        caseworker=caseworker,
        agreement="disagree",
        reason_category=JudgementReason.CITIZEN_SITUATION,
        reason_text="Hun har et jobtilbud fra næste måned.",
    )
    frame = _judgements(jobcenter, Window()).set_index("id")
    assert frame.loc[answered.pk, "agreement"] == "disagree"
    assert frame.loc[answered.pk, "reason"] == JudgementReason.CITIZEN_SITUATION
    assert frame.loc[answered.pk, "estimate_band"] == estimate.band
    assert frame.loc[never.pk, "agreement"] == "not_seen"
    assert "answer" not in frame.columns
