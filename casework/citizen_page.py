"""The citizen page as the views render it: the page itself (with a form the user sent
back with its errors, when there are some), and the refusal a user gets for a citizen
they may not see."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from casework.display import (
    estimate_display,
    judgement_history_rows,
    page_input_rows,
    snapshot_age,
)
from casework.forms import (
    BreakGlassForm,
    JudgementForm,
    ObjectionForm,
    ObjectionWithdrawForm,
    RevealAnswerForm,
)
from casework.models import Agreement, Citizen, RiskBand
from casework.selectors import (
    PanelState,
)
from casework.services import (
    access_refused_record,
    citizen_view,
)
from jobcenter.models import Role


def page_language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def errors_into(form, exc: ValidationError) -> None:
    """A service's field errors onto the form, so the page shows them by the fields
    (with their codes, for whoever records the refusal)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def citizen_refused(request, citizen_id, *, page: str):
    """A citizen the user may not see, opened by a link: a 403 page that says so and,
    for a caseworker, offers to break the glass (the CPR number is typed, never taken
    from the link). It names nobody. The refusal is recorded in a transaction of its
    own, after the lookup's has rolled back."""
    access_refused_record(user=request.user, citizen_id=citizen_id, page=page)
    return render(
        request,
        "casework/access_refused.html",
        {"break_glass_form": BreakGlassForm() if request.user.has_role(Role.CASEWORKER) else None},
        status=403,
    )


def citizen_page(request, citizen_id, *, bound: dict | None = None, status: int = 200):
    """The citizen page; ``bound`` holds a form the user sent that has errors, shown
    with what they wrote (``{"judgement": form}``, ``{"correction": form}``, ...)."""
    try:
        page, panel = citizen_view(user=request.user, citizen_id=citizen_id)
    except Citizen.DoesNotExist:
        if request.method != "GET":
            raise Http404 from None
        return citizen_refused(request, citizen_id, page="citizen")
    bound = bound or {}
    language = page_language()
    snapshot = page.snapshot
    input_rows, corrections = page_input_rows(page, language)
    display = version = None
    if panel.shown:
        version = panel.assessment.version
        display = estimate_display(
            explanation=panel.assessment.explanation,
            metrics=version.metrics or {},
            language=language,
            quality_gate=version.quality_gate,
            band_cutoffs=version.band_cutoffs,
        )
    not_scorable = ""
    if panel.state == PanelState.NOT_SCORABLE:
        result = panel.assessment.not_scorable
        not_scorable = result.message_en if language == "en" else result.message_da
    estimate = panel.estimate if panel.shown else None
    feedback_form = bound.get("feedback")
    correction_form = bound.get("correction")
    corrections_forms = [
        _prefill(row, correction_form, fields=("source", "reason"), value=row.raw)
        for row in input_rows
    ]
    rule_rows = [
        _prefill(rule, feedback_form, fields=("kind", "comment"))
        | {"sent": _feedback_sent(page, estimate, rule.feature)}
        for rule in (display.rules if display else ())
    ]
    judgement = page.judgement_latest
    reveal_form = None
    if (
        estimate is not None
        and judgement is not None
        and judgement.agreement == Agreement.NOT_SEEN
        and not hasattr(judgement, "reveal_answer")
    ):
        reveal_form = bound.get("reveal") or RevealAnswerForm(
            initial={"judgement_id": judgement.pk, "estimate_id": estimate.pk}
        )
    previous_judgement = None
    if (
        panel.shown
        and panel.previous is not None
        and judgement is not None
        and judgement.snapshot_id == page.snapshot.corrects_id
    ):
        previous_judgement = judgement
    context = {
        "page": page,
        "panel": panel,
        "states": PanelState,
        "input_rows": input_rows,
        "corrections": corrections,
        "display": display,
        "version": version,
        "estimate": estimate,
        "previous": panel.previous if panel.shown else None,
        "not_scorable": not_scorable,
        "band_labels": dict(RiskBand.choices),
        "judgement": judgement,
        "judgement_on_old_data": judgement is not None
        and snapshot is not None
        and judgement.snapshot_id != snapshot.pk,
        "previous_judgement": previous_judgement,
        "reveal_form": reveal_form,
        "history": judgement_history_rows(judgements=page.history, snapshots=page.snapshots),
        "snapshot_age": snapshot_age(
            as_of=snapshot.as_of if snapshot else None,
            meetings=page.current_spell.meetings.all() if page.current_spell else (),
        ),
        "judgement_form": bound.get("judgement")
        or JudgementForm(
            initial={
                "snapshot_id": snapshot.pk if snapshot else None,
                "estimate_id": estimate.pk if estimate else None,
            }
        ),
        "input_forms": corrections_forms,
        "rule_rows": rule_rows,
        "objection_form": bound.get("objection")
        or ObjectionForm(initial={"received_on": timezone.localdate()}),
        "withdraw_form": bound.get("withdraw") or ObjectionWithdrawForm(),
        "model_card_url": reverse(
            "transparency_jobcenter", args=[page.citizen.jobcenter.municipality_code]
        )
        + (f"#model-{version.pk}" if version is not None else ""),
    }
    return render(request, "casework/citizen.html", context, status=status)


def _feedback_sent(page, estimate, feature: str):
    """The user's feedback already sent on this rule of the estimate shown, if any."""
    if estimate is None:
        return None
    return next(
        (f for f in page.feedback if f.estimate_id == estimate.pk and f.feature == feature), None
    )


def _prefill(item, form, *, fields: tuple[str, ...], value: str | None = None) -> dict:
    """One row of the page with the small form that belongs to it (a correction of an
    input, feedback on a rule): what the user sent and its errors when ``form`` was
    sent for this row, else the defaults."""
    mine = form is not None and form.data.get("feature") == item.feature_name
    data = form.data if mine else {}
    prefill = {name: data.get(name, "") for name in fields}
    prefill["value"] = data.get("value", "") if mine else (value or "")
    errors = form.errors if mine else {}
    other = [
        e
        for key in ("__all__", "snapshot_id", "estimate_id", "feature")
        for e in errors.get(key, [])
    ]
    return {"item": item, "open": mine, "data": prefill, "errors": errors, "other_errors": other}
