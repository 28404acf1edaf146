"""Thin views: parse input, call a selector or service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.corrections import snapshot_correct
from casework.cpr import cpr_parse
from casework.display import (
    correction_rows,
    estimate_display,
    judgement_history_rows,
    snapshot_age,
    snapshot_input_rows,
)
from casework.forms import (
    BreakGlassForm,
    CaseloadFilterForm,
    CitizenSearchForm,
    CorrectionForm,
    JudgementFirstForm,
    JudgementForm,
    ObjectionForm,
    ObjectionWithdrawForm,
    RevealAnswerForm,
    RuleFeedbackForm,
)
from casework.judgements import judgement_record, reveal_answer_record, rule_feedback_record
from casework.letters import LANGUAGES, letter_produce
from casework.models import Agreement, Citizen, RiskBand
from casework.selectors import (
    PanelState,
    assessment_status,
    caseload_for_user,
    jobcenter_for_user,
)
from casework.services import (
    ActionRefused,
    access_refused_record,
    break_glass_grant,
    caseload_view_record,
    citizen_search,
    citizen_view,
    judgement_first_set,
    objection_record,
    objection_withdraw,
)
from jobcenter.models import Role
from jobcenter.pdf import pdf_from_template, pdf_response

CASELOAD_PAGE_SIZE = 50


@require_GET
def caseload(request):
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    scope = filters.get("scope") or "mine"
    spells = caseload_for_user(
        user=request.user,
        scope=scope,
        status=filters.get("status", ""),
        benefit_type=filters.get("benefit_type", ""),
        sort=filters.get("sort") or "name",
    )
    page = Paginator(spells, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(spell, assessment_status(spell)) for spell in page.object_list]
    caseload_view_record(user=request.user, scope=scope, shown=len(rows))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/caseload.html",
        {
            "form": form if form.is_bound else CaseloadFilterForm(initial={"scope": "mine"}),
            "search_form": CitizenSearchForm(),
            "page": page,
            "rows": rows,
            "scope": scope,
            "querystring": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
def citizen_search_view(request):
    """The CPR number comes by POST only, so it never lands in a URL or an access log."""
    if request.method == "GET":
        return redirect("casework:caseload")
    form = CitizenSearchForm(request.POST)
    results = None
    break_glass_form = None
    if form.is_valid():
        query = form.cleaned_data["query"]
        results = citizen_search(user=request.user, query=query)
        if len(results) == 1:
            return redirect("casework:citizen", citizen_id=results[0].pk)
        if not results and _is_cpr(query) and request.user.has_role(Role.CASEWORKER):
            # Outside the caseload: offer to break the glass. The number is typed again
            # rather than echoed back into the page.
            break_glass_form = BreakGlassForm()
    return render(
        request,
        "casework/search.html",
        {"search_form": form, "results": results, "break_glass_form": break_glass_form},
        status=200 if form.is_valid() else 400,
    )


def _is_cpr(text: str) -> bool:
    try:
        cpr_parse(text)
    except ValueError:
        return False
    return True


def _language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _errors_into(form, exc: ValidationError) -> None:
    """A service's field errors onto the form, so the page shows them by the fields."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _refused(request, citizen_id, *, page: str):
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


def _citizen_page(request, citizen_id, *, bound: dict | None = None, status: int = 200):
    """The citizen page; ``bound`` holds a form the user sent that has errors, shown
    with what they wrote (``{"judgement": form}``, ``{"correction": form}``, ...)."""
    try:
        page, panel = citizen_view(user=request.user, citizen_id=citizen_id)
    except Citizen.DoesNotExist:
        if request.method != "GET":
            raise Http404 from None
        return _refused(request, citizen_id, page="citizen")
    bound = bound or {}
    language = _language()
    snapshot = page.snapshot
    input_rows, corrections = [], []
    if snapshot is not None:
        specification = snapshot.specification.specification
        original = page.original_snapshot
        input_rows = snapshot_input_rows(
            specification=specification,
            values=snapshot.values,
            language=language,
            original=original.values if original is not None and original != snapshot else None,
        )
        corrections = correction_rows(
            snapshots=page.snapshots, specification=specification, language=language
        )
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
        "model_card_url": reverse("transparency")
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


@require_http_methods(["GET", "POST"])
def citizen_detail(request, citizen_id):
    """The citizen page. Its forms post here too, naming their action, so that after a
    form error the page with what the user wrote stays at the citizen page's address."""
    if request.method == "POST":
        action = _PAGE_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponseBadRequest()
        return action(request, citizen_id)
    return _citizen_page(request, citizen_id)


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
            _errors_into(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("casework:citizen", kwargs={"citizen_id": citizen_id}) + anchor)
    return _citizen_page(request, citizen_id, bound={key: form}, status=400)


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
            language=_language(),
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


_PAGE_ACTIONS = {
    "judgement": judgement_create,
    "reveal": reveal_answer_create,
    "rule_feedback": rule_feedback_create,
    "correction": correction_create,
    "objection": objection_create,
    "objection_withdraw": objection_withdraw_view,
}


def _letter_language(request) -> str:
    """The letter's language: ``?language=da|en``, else the user's active language."""
    asked = request.GET.get("language", "")
    return asked if asked in LANGUAGES else _language()


def _letter(request, citizen_id, *, output_format: str, render):
    try:
        _, output = letter_produce(
            user=request.user,
            citizen_id=citizen_id,
            language=_letter_language(request),
            output_format=output_format,
            render=render,
        )
    except Citizen.DoesNotExist:
        return _refused(request, citizen_id, page=f"letter_{output_format}")
    return output


@require_GET
def letter(request, citizen_id):
    """The letter to the citizen as a printable page: the page around it in the user's
    language, the letter itself in the language asked for."""
    return _letter(
        request,
        citizen_id,
        output_format="html",
        render=lambda letter: render(request, "casework/letter.html", {"letter": letter}),
    )


@require_GET
def letter_pdf(request, citizen_id):
    """The same letter as a PDF download, wholly in the letter's language."""

    def render_pdf(letter):
        with translation.override(letter.language):
            content = pdf_from_template("casework/letter_pdf.html", {"letter": letter}, request)
        name = "brev" if letter.language == "da" else "letter"
        return pdf_response(content, filename=f"{name}-{letter.produced_at:%Y-%m-%d}.pdf")

    return _letter(request, citizen_id, output_format="pdf", render=render_pdf)


@require_http_methods(["GET", "POST"])
def break_glass(request):
    """Access to a citizen outside the caseload, with a reason; the CPR number comes by
    POST only. Only caseworkers; anyone else gets a 404."""
    if not request.user.has_role(Role.CASEWORKER):
        raise Http404
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            citizen, access = break_glass_grant(
                user=request.user,
                cpr=form.cleaned_data["cpr"],
                reason_category=form.cleaned_data["reason_category"],
                reason_text=form.cleaned_data["reason_text"],
            )
        except ActionRefused as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            if access is not None:
                messages.warning(
                    request,
                    _(
                        "Du har nødadgang til borgeren indtil kl. %(time)s. Adgangen er logget "
                        "og bliver gennemgået af databeskyttelsesrådgiveren."
                    )
                    % {"time": timezone.localtime(access.expires_at).strftime("%H:%M")},
                )
            return redirect("casework:citizen", citizen_id=citizen.pk)
    return render(
        request,
        "casework/break_glass.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def judgement_first_setting(request):
    """Managers switch their own jobcenter's judgement-first rule; anyone else gets a
    404."""
    if not request.user.has_role(Role.MANAGER) or request.user.jobcenter_id is None:
        raise Http404
    if request.method == "POST":
        form = JudgementFirstForm(request.POST)
        if form.is_valid():
            try:
                judgement_first_set(user=request.user, enabled=form.cleaned_data["enabled"])
            except ActionRefused as exc:
                raise Http404 from exc
            messages.success(request, _("Indstillingen er gemt."))
            return redirect("casework:judgement_first")
    jobcenter = jobcenter_for_user(user=request.user)
    form = JudgementFirstForm(initial={"enabled": jobcenter.judgement_first})
    return render(request, "casework/judgement_first.html", {"form": form, "jobcenter": jobcenter})
