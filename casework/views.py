"""Thin views: parse input, call a selector or service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.citizen_page import citizen_page, citizen_refused, errors_into, page_language
from casework.cpr import cpr_parse
from casework.forms import (
    BreakGlassForm,
    CaseloadFilterForm,
    CitizenSearchForm,
    JudgementFirstForm,
)
from casework.letter_forms import LetterOptionsForm
from casework.letters import letter_produce
from casework.models import Citizen
from casework.page_actions import PAGE_ACTIONS
from casework.selectors import (
    assessment_status,
    caseload_for_user,
    jobcenter_for_user,
)
from casework.services import (
    ActionRefused,
    break_glass_grant,
    break_glass_refused_record,
    caseload_view_record,
    citizen_search,
    judgement_first_set,
)
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Role
from jobcenter.pdf import pdf_from_template, pdf_response

CASELOAD_PAGE_SIZE = 50


@require_GET
@jobcenter_role_required(Role.CASEWORKER)
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
@jobcenter_role_required(Role.CASEWORKER)
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


@require_http_methods(["GET", "POST"])
def citizen_detail(request, citizen_id):
    """The citizen page. Its forms post here too, naming their action, so that after a
    form error the page with what the user wrote stays at the citizen page's address."""
    if request.method == "POST":
        action = PAGE_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponseBadRequest()
        return action(request, citizen_id)
    return citizen_page(request, citizen_id)


def _letter_options(request) -> tuple[str, bool]:
    """The letter's language (``?language=da|en``, else the user's active language)
    and whether the caseworker's own words are quoted (``?own_words=on``)."""
    return LetterOptionsForm(request.GET).options(default_language=page_language())


def _letter(request, citizen_id, *, output_format: str, render):
    language, own_words = _letter_options(request)
    try:
        _, output = letter_produce(
            user=request.user,
            citizen_id=citizen_id,
            language=language,
            output_format=output_format,
            render=render,
            include_own_words=own_words,
        )
    except Citizen.DoesNotExist:
        return citizen_refused(request, citizen_id, page=f"letter_{output_format}")
    return output


@require_GET
def letter(request, citizen_id):
    """The letter to the citizen as a printable page: the page around it in the user's
    language, the letter itself in the language asked for, and the letter's options."""

    def render_page(letter):
        form = LetterOptionsForm(
            initial={"language": letter.language, "own_words": letter.include_own_words}
        )
        return render(request, "casework/letter.html", {"letter": letter, "form": form})

    return _letter(request, citizen_id, output_format="html", render=render_page)


@require_GET
def letter_pdf(request, citizen_id):
    """The same letter as a tagged PDF download, wholly in the letter's language."""

    def render_pdf(letter):
        with translation.override(letter.language):
            content = pdf_from_template(
                "casework/letter_pdf.html", {"letter": letter}, request, accessible=True
            )
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
            errors_into(form, exc)  # the form is now invalid: recorded below
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
    if request.method == "POST" and not form.is_valid():
        refused = form.errors.as_data()
        break_glass_refused_record(
            user=request.user,
            refused_fields=sorted(refused),
            codes=[error.code or "invalid" for errors in refused.values() for error in errors],
        )
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
