"""A citizen's current assessment and the journal note, for the case system and for
caseworkers: thin views over the citizen page's own service (``citizen_view``), so the
lookup is audited exactly as the page's is (``citizen.view``, and ``estimate.view``
when an estimate is given, in the same transaction as the read), a citizen outside
the caller's team or jobcenter is the same 404 as an unknown one (and the refusal is
recorded, as the page records it), and nothing is computed after an objection.

Looked up by the citizen's id or by the spell's id in the case system
(``Spell.external_id``), never by CPR number."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from casework.api.serializers import AssessmentSerializer, JournalNoteSerializer
from casework.journal_note import NoteEstimate, NoteJudgement, NoteModel, journal_note_text
from casework.models import Citizen
from casework.selectors import EstimatePanel, PanelState, spell_citizen_id_for_user
from casework.services import access_refused_record, citizen_view
from jobcenter.api.problems import Conflict
from jobcenter.api.views import ApiView


def _withheld(state: str) -> str:
    """Why no estimate is given, in Danish (the msgid)."""
    reasons = {
        PanelState.OBJECTION: _(
            "Borgeren har gjort indsigelse mod profilering. Der beregnes ikke et estimat."
        ),
        PanelState.JUDGEMENT_FIRST: _(
            "Estimatet vises først, når en faglig vurdering er registreret."
        ),
        PanelState.PAUSED: _("Beregning af estimater er stoppet."),
        PanelState.NO_MODEL: _("Der er ingen aktiv model."),
        PanelState.NO_SPELL: _("Borgeren har ikke et åbent ledighedsforløb."),
        PanelState.NOT_YET: _("Estimatet gives først efter den anden samtale."),
        PanelState.NO_DATA: _("Oplysningerne til estimatet er ikke modtaget endnu."),
        PanelState.NOT_SCORABLE: _("Der mangler oplysninger til at beregne et estimat."),
    }
    return str(reasons.get(state, _("Der er ikke beregnet et estimat.")))


def _view(request, *, citizen_id, purpose: str):
    """The audited read; a citizen the caller may not see is a 404 (recorded)."""
    try:
        return citizen_view(
            user=request.user, citizen_id=citizen_id, details={"channel": "api", "view": purpose}
        )
    except Citizen.DoesNotExist:
        access_refused_record(user=request.user, citizen_id=citizen_id, page=f"api_{purpose}")
        raise NotFound(_("Borgeren findes ikke, eller du har ikke adgang til borgeren.")) from None


def _citizen_id_by_spell(request, external_id: str):
    try:
        return spell_citizen_id_for_user(user=request.user, external_id=external_id)
    except Citizen.DoesNotExist:
        raise NotFound(_("Forløbet findes ikke i jobcentret.")) from None


def _estimate(panel: EstimatePanel) -> dict | None:
    if not panel.shown:
        return None
    explanation = panel.assessment.explanation
    return {
        "id": panel.estimate.pk if panel.estimate is not None else None,
        "probability": round(explanation.probability, 6),
        "band": explanation.band,
        "interval": {"low": explanation.interval[0], "high": explanation.interval[1]},
        "base_rate": explanation.base_rate,
        "leaf_n": explanation.leaf_n,
        "meaning_da": explanation.meaning_da,
        "meaning_en": explanation.meaning_en,
        "rules": [
            {
                "feature": rule.feature,
                "text_da": rule.text_da,
                "text_en": rule.text_en,
                "effect": round(rule.contribution, 6),
                "effect_points": round(rule.contribution * 100),
                "probability_before": round(rule.probability_before, 6),
                "probability_after": round(rule.probability_after, 6),
            }
            for rule in explanation.conditions
        ],
    }


def _model_version(panel: EstimatePanel) -> dict | None:
    version = panel.assessment.version if panel.shown else None
    if version is None:
        return None
    return {"id": version.pk, "specification": version.specification.name, "number": version.number}


def _judgement(page) -> dict | None:
    judgement = page.judgement_latest
    if judgement is None:
        return None
    return {
        "id": judgement.pk,
        "risk_band": judgement.risk_band,
        "agreement": judgement.agreement,
        "reason_category": judgement.reason_category or "",
        "reason_text": judgement.reason_text,
        "next_step": judgement.next_step,
        "caseworker": judgement.caseworker.get_full_name() or judgement.caseworker.get_username(),
        "created_at": judgement.created_at,
    }


def _assessment(request, citizen_id) -> Response:
    page, panel = _view(request, citizen_id=citizen_id, purpose="assessment")
    if panel.state == PanelState.OBJECTION:
        # The lookup is recorded (as on the page); nothing was computed.
        raise Conflict(_withheld(PanelState.OBJECTION), code="objection")
    body = {
        "citizen_id": page.citizen.pk,
        "spell_external_id": page.current_spell.external_id if page.current_spell else None,
        "snapshot_as_of": page.snapshot.as_of if page.snapshot else None,
        "state": panel.state,
        "estimate": _estimate(panel),
        "model_version": _model_version(panel),
        "judgement": _judgement(page),
    }
    return Response(AssessmentSerializer(body).data)


def _journal_note(request, citizen_id) -> Response:
    page, panel = _view(request, citizen_id=citizen_id, purpose="journal_note")
    judgement, estimate, version = _judgement(page), _estimate(panel), _model_version(panel)
    today = timezone.localdate()
    withheld = "" if panel.shown else _withheld(panel.state)
    text = journal_note_text(
        judgement=NoteJudgement(
            risk_band=judgement["risk_band"],
            agreement=judgement["agreement"],
            reason_category=judgement["reason_category"],
            reason_text=judgement["reason_text"],
            next_step=judgement["next_step"],
            made_on=timezone.localdate(judgement["created_at"]),
            made_by=judgement["caseworker"],
        )
        if judgement
        else None,
        estimate=NoteEstimate(
            probability=estimate["probability"],
            band=estimate["band"],
            interval=(estimate["interval"]["low"], estimate["interval"]["high"]),
        )
        if estimate
        else None,
        model=NoteModel(name=version["specification"], number=version["number"])
        if version
        else None,
        on=today,
        withheld=withheld,
    )
    body = {
        "citizen_id": page.citizen.pk,
        "spell_external_id": page.current_spell.external_id if page.current_spell else None,
        "date": today,
        "judgement": judgement,
        "estimate": estimate,
        "model_version": version,
        "withheld": withheld,
        "text": text,
    }
    return Response(JournalNoteSerializer(body).data)


class CitizenAssessmentView(ApiView):
    @extend_schema(
        operation_id="citizen_assessment",
        summary="A citizen's current assessment",
        description=(
            "The estimate (probability, band, interval, the rules on the path with their "
            "effect), the model version and the latest professional judgement. Audited as "
            "the citizen page is. 409 after the citizen's objection to profiling."
        ),
        responses={200: AssessmentSerializer},
        tags=["casework"],
    )
    def get(self, request, citizen_id):
        return _assessment(request, citizen_id)


class SpellAssessmentView(ApiView):
    @extend_schema(
        operation_id="spell_assessment",
        summary="The assessment of the citizen of a spell, by the case system's spell id",
        responses={200: AssessmentSerializer},
        tags=["casework"],
    )
    def get(self, request, external_id):
        return _assessment(request, _citizen_id_by_spell(request, external_id))


class CitizenJournalNoteView(ApiView):
    @extend_schema(
        operation_id="citizen_journal_note",
        summary="The journal note for a citizen's journal",
        description=(
            "Structured, and as plain Danish text (`text`): the professional judgement "
            "first, the estimate as background, the model version and the date. Audited."
        ),
        responses={200: JournalNoteSerializer},
        tags=["casework"],
    )
    def get(self, request, citizen_id):
        return _journal_note(request, citizen_id)


class SpellJournalNoteView(ApiView):
    @extend_schema(
        operation_id="spell_journal_note",
        summary="The journal note, by the case system's spell id",
        responses={200: JournalNoteSerializer},
        tags=["casework"],
    )
    def get(self, request, external_id):
        return _journal_note(request, _citizen_id_by_spell(request, external_id))
