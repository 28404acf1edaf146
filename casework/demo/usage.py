"""The demo's history of use: two years in which caseworkers saw estimates and recorded
their judgements, so that the managers' cockpit has something to show on a fresh demo.

The demo model is trained only on spells assessed before those two years (see
``casework.demo.model``), so what the cockpit shows about realised outcomes is measured
on spells the model never learned from, as in real use. Within the two years, the active
version's estimate is written for each spell (as if it had been active then); the
spell's caseworker records a judgement for most of them. Caseworkers know things the
model does not: their own band leans towards what actually happened (for a spell whose
outcome is not known yet, towards a draw from the model's probability), with noise.
About a third of the judgements were made before the estimate was shown (judgement
first); the others agree when the caseworker's band is the model's, and disagree with a
reason otherwise. A few citizens object, and a few inputs are corrected.

Nothing here writes audit events: the log records what really happened in this
installation, and no one looked anything up in these two years.
"""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from casework.models import (
    AssessmentSnapshot,
    Estimate,
    Judgement,
    JudgementReason,
    NextStep,
    Objection,
)
from casework.scoring import closed_spells_score
from jobcenter.models import Role, User

USAGE_DAYS = 2 * 365
JUDGED_SHARE = 0.8
JUDGEMENT_FIRST_SHARE = 0.3
OBJECTION_SHARE = 0.006
CORRECTION_SHARE = 0.01

REASON_WEIGHTS = {
    JudgementReason.KNOWN_INFORMATION: 0.35,
    JudgementReason.CITIZEN_SITUATION: 0.25,
    JudgementReason.HEALTH_SOCIAL: 0.15,
    JudgementReason.LABOUR_MARKET: 0.1,
    JudgementReason.DATA_WRONG: 0.1,
    JudgementReason.OTHER: 0.05,
}
REASON_TEXTS = {
    JudgementReason.KNOWN_INFORMATION: "Borgeren har en konkret jobsamtale i næste uge.",
    JudgementReason.CITIZEN_SITUATION: "Borgeren er meget motiveret og søger bredt.",
    JudgementReason.HEALTH_SOCIAL: "Helbredet fylder, og der er brug for en afklaring først.",
    JudgementReason.LABOUR_MARKET: "Der mangler folk i borgerens fag lokalt lige nu.",
    JudgementReason.DATA_WRONG: "Oplysningen om beskæftigelse er ikke opdateret.",
    JudgementReason.OTHER: "Se journalen for min vurdering.",
}
NEXT_STEPS = [NextStep.NONE_YET, NextStep.GUIDANCE, NextStep.UPSKILLING, NextStep.INTERNSHIP]


def usage_start(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=USAGE_DAYS)


def _band(score: np.ndarray, cutoffs: tuple[float, float]) -> np.ndarray:
    return np.where(score >= cutoffs[1], "high", np.where(score < cutoffs[0], "low", "medium"))


@transaction.atomic
def demo_usage_create(*, jobcenter, version, today: datetime.date, seed: int) -> dict:
    """Estimates, judgements, objections and corrections for the demo's two years of
    use. Returns counts of what was written."""
    start = usage_start(today)
    closed_spells_score(model_version_id=version.pk, as_of_from=start)
    rng = np.random.default_rng(seed + 17)
    rows = list(
        Estimate.objects.filter(
            model_version=version,
            spell__jobcenter=jobcenter,
            snapshot__as_of__gte=start,
            probability__isnull=False,
        )
        .order_by("id")
        .values_list(
            "id",
            "spell_id",
            "snapshot_id",
            "snapshot__as_of",
            "probability",
            "band",
            "spell__caseworker_id",
            "spell__team_id",
            "spell__outcome__unemployed_12m",
            "spell__citizen_id",
        )
    )
    if not rows:
        return {"judgements": 0, "objections": 0, "corrections": 0}
    ids, spells, snapshots, as_of, p, bands, caseworkers, teams, outcome, citizens = map(
        np.asarray, zip(*rows, strict=True)
    )
    # A closed spell no longer has a caseworker: one of its team's caseworkers judged it.
    team_caseworkers: dict[int, list[int]] = {}
    for user_id, team_id in User.objects.filter(
        jobcenter=jobcenter, groups__name=Role.CASEWORKER.value, team__isnull=False
    ).values_list("id", "team_id"):
        team_caseworkers.setdefault(team_id, []).append(user_id)
    caseworkers = np.array(
        [
            caseworker
            if caseworker is not None
            else rng.choice(team_caseworkers[team])
            if team_caseworkers.get(team)
            else None
            for caseworker, team in zip(caseworkers, teams, strict=True)
        ],
        dtype=object,
    )
    p = p.astype(float)
    known = np.array([o is not None for o in outcome])
    truth = np.where(
        known, [bool(o) if o is not None else False for o in outcome], rng.random(len(p)) < p
    )
    judged = (rng.random(len(p)) < JUDGED_SHARE) & np.array([c is not None for c in caseworkers])
    score = np.clip(0.7 * p + 0.3 * truth + rng.normal(0, 0.2, len(p)), 0, 1)
    own_band = _band(score, version.band_cutoffs)
    first = rng.random(len(p)) < JUDGEMENT_FIRST_SHARE
    reasons = rng.choice(list(REASON_WEIGHTS), size=len(p), p=list(REASON_WEIGHTS.values()))
    steps = rng.choice(NEXT_STEPS, size=len(p))
    delay = rng.integers(0, 4, len(p))
    judgements = []
    when = []
    for i in np.flatnonzero(judged):
        agreement = "not_seen" if first[i] else ("agree" if own_band[i] == bands[i] else "disagree")
        disagree = agreement == "disagree"
        judgements.append(
            Judgement(
                jobcenter=jobcenter,
                spell_id=spells[i],
                snapshot_id=int(snapshots[i]),
                estimate_id=None if agreement == "not_seen" else int(ids[i]),
                caseworker_id=int(caseworkers[i]),
                risk_band=str(own_band[i]),
                agreement=agreement,
                reason_category=str(reasons[i]) if disagree else "",
                reason_text=REASON_TEXTS[reasons[i]] if disagree else "",
                next_step=str(steps[i]),
            )
        )
        when.append(as_of[i] + datetime.timedelta(days=int(delay[i])))
    # Judgements are append-only in the database (casework/db.py): stamped before insert.
    created = _bulk_create_stamped(Judgement, judgements, when, "created_at")

    objecting = sorted({citizens[i] for i in np.flatnonzero(rng.random(len(p)) < OBJECTION_SHARE)})
    first_caseworker = next(int(c) for c in caseworkers if c is not None)
    objections = Objection.objects.bulk_create(
        [
            Objection(
                jobcenter=jobcenter,
                citizen_id=citizen,
                received_on=start + datetime.timedelta(days=int(rng.integers(0, USAGE_DAYS))),
                channel=Objection.Channel.IN_PERSON,
                recorded_by_id=first_caseworker,
            )
            for citizen in objecting
        ]
    )

    closed = np.flatnonzero(judged & known & (rng.random(len(p)) < CORRECTION_SHARE))
    originals = AssessmentSnapshot.objects.in_bulk([int(snapshots[i]) for i in closed])
    corrections = []
    correction_days = []
    for i in closed:
        original = originals[int(snapshots[i])]
        values = dict(original.values)
        entry = dict(values.get("cv_complete") or {})
        entry.update(value=not bool(entry.get("value")), source="Sagsbehandler")
        values["cv_complete"] = entry
        corrections.append(
            AssessmentSnapshot(
                spell_id=original.spell_id,
                specification_id=original.specification_id,
                as_of=original.as_of,
                values=values,
                corrects=original,
                correction_reason="CV'et var udfyldt på Jobnet.",
                created_by_id=int(caseworkers[i]),
            )
        )
        correction_days.append(as_of[i] + datetime.timedelta(days=int(delay[i]) + 5))
    made = AssessmentSnapshot.objects.bulk_create(corrections)
    _backdate(AssessmentSnapshot, [s.pk for s in made], correction_days, "created_at")
    return {"judgements": len(created), "objections": len(objections), "corrections": len(made)}


def _bulk_create_stamped(model, objects: list, days: list[datetime.date], field: str) -> list:
    """Like ``_backdate``, for a table whose rows cannot be updated: the field's
    ``auto_now_add`` is set aside for this one insert, so the given times are kept."""
    zone = timezone.get_current_timezone()
    for obj, day in zip(objects, days, strict=True):
        setattr(obj, field, datetime.datetime.combine(day, datetime.time(10), tzinfo=zone))
    model_field = model._meta.get_field(field)
    model_field.auto_now_add = False
    try:
        return model.objects.bulk_create(objects, batch_size=5_000)
    finally:
        model_field.auto_now_add = True


def _backdate(model, pks: list, days: list[datetime.date], field: str) -> None:
    """``auto_now_add`` stamps bulk rows with now; the demo's history happened earlier."""
    zone = timezone.get_current_timezone()
    objects = [model(pk=pk) for pk in pks]
    for obj, day in zip(objects, days, strict=True):
        setattr(obj, field, datetime.datetime.combine(day, datetime.time(10), tzinfo=zone))
    model.objects.bulk_update(objects, [field], batch_size=5_000)
