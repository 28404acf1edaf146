"""The citizen page's forms: each posts to the page's own address, naming its action
(``action=judgement``, ...), and runs one service; the older per-action addresses
(``/citizens/<id>/judgement/``, ...) run the same code. The answer after a reveal
(``action=reveal``) has no address of its own: it only ever posts to the page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.citizen_page import citizen_page, errors_into, page_language
from casework.corrections import snapshot_correct
from casework.forms import (
    CorrectionForm,
    JudgementForm,
    ObjectionForm,
    ObjectionWithdrawForm,
    RevealAnswerForm,
    RuleFeedbackForm,
)
from casework.judgements import judgement_record, reveal_answer_record, rule_feedback_record
from casework.models import Citizen
from casework.services import (
    ActionRefused,
    objection_record,
    objection_withdraw,
)


def _post_action(request, citizen_id, *, form, key: str, call, done: str, anchor: str):
    """Runs one POST action: a valid form goes to the service (one transaction, one
    event) and the browser is sent back to the page; otherwise the page is shown again
    with what the user wrote and the reasons."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except Citizen.DoesNotExist as exc:
            raise Http404 from exc
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return redirect("casework:citizen", citizen_id=citizen_id)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("casework:citizen", kwargs={"citizen_id": citizen_id}) + anchor)
    return citizen_page(request, citizen_id, bound={key: form}, status=400)


@require_POST
def judgement_create(request, citizen_id):
    def call(data):
        judgement_record(
            user=request.user,
            citizen_id=citizen_id,
            snapshot_id=data["snapshot_id"],
            estimate_id=data.get("estimate_id"),
            risk_band=data["risk_band"],
            agreement=data.get("agreement") or "",
            reason_category=data.get("reason_category") or "",
            reason_text=data.get("reason_text") or "",
            next_step=data["next_step"],
        )

    return _post_action(
        request,
        citizen_id,
        form=JudgementForm(request.POST),
        key="judgement",
        call=call,
        done=_("Din faglige vurdering er registreret."),
        anchor="#judgement",
    )


@require_POST
def reveal_answer_create(request, citizen_id):
    def call(data):
        reveal_answer_record(
            user=request.user,
            citizen_id=citizen_id,
            judgement_id=data["judgement_id"],
            estimate_id=data["estimate_id"],
            agreement=data["agreement"],
            reason_category=data.get("reason_category") or "",
            reason_text=data.get("reason_text") or "",
        )

    return _post_action(
        request,
        citizen_id,
        form=RevealAnswerForm(request.POST),
        key="reveal",
        call=call,
        done=_("Dit svar er registreret ved siden af din første vurdering."),
        anchor="#judgement",
    )


@require_POST
def rule_feedback_create(request, citizen_id):
    def call(data):
        rule_feedback_record(
            user=request.user,
            citizen_id=citizen_id,
            estimate_id=data["estimate_id"],
            feature=data["feature"],
            kind=data["kind"],
            comment=data.get("comment") or "",
        )

    return _post_action(
        request,
        citizen_id,
        form=RuleFeedbackForm(request.POST),
        key="feedback",
        call=call,
        done=_("Tak. Din tilbagemelding på reglen er sendt til datateamet."),
        anchor="#estimate",
    )


@require_POST
def correction_create(request, citizen_id):
    def call(data):
        snapshot_correct(
            user=request.user,
            citizen_id=citizen_id,
            snapshot_id=data["snapshot_id"],
            feature=data["feature"],
            value=data.get("value") or "",
            source=data["source"],
            reason=data.get("reason") or "",
            language=page_language(),
        )

    return _post_action(
        request,
        citizen_id,
        form=CorrectionForm(request.POST),
        key="correction",
        call=call,
        done=_("Oplysningen er rettet, og estimatet er beregnet igen. Begge versioner er gemt."),
        anchor="#inputs",
    )


@require_POST
def objection_create(request, citizen_id):
    def call(data):
        objection_record(
            user=request.user,
            citizen_id=citizen_id,
            received_on=data["received_on"],
            channel=data["channel"],
            note=data.get("note") or "",
        )

    return _post_action(
        request,
        citizen_id,
        form=ObjectionForm(request.POST),
        key="objection",
        call=call,
        done=_("Indsigelsen er registreret. Der beregnes og vises ikke længere estimater."),
        anchor="#objection",
    )


@require_POST
def objection_withdraw_view(request, citizen_id):
    def call(data):
        objection_withdraw(user=request.user, citizen_id=citizen_id, note=data.get("note") or "")

    return _post_action(
        request,
        citizen_id,
        form=ObjectionWithdrawForm(request.POST),
        key="withdraw",
        call=call,
        done=_("Indsigelsen er trukket tilbage."),
        anchor="#objection",
    )


PAGE_ACTIONS = {
    "judgement": judgement_create,
    "reveal": reveal_answer_create,
    "rule_feedback": rule_feedback_create,
    "correction": correction_create,
    "objection": objection_create,
    "objection_withdraw": objection_withdraw_view,
}
