"""Thin views: parse input, call a selector or service, render."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from casework.display import snapshot_input_rows
from casework.forms import CaseloadFilterForm, CitizenSearchForm
from casework.models import Citizen
from casework.selectors import assessment_status, caseload_for_user
from casework.services import caseload_view_record, citizen_search, citizen_view

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
    if form.is_valid():
        results = citizen_search(user=request.user, query=form.cleaned_data["query"])
        if len(results) == 1:
            return redirect("casework:citizen", citizen_id=results[0].pk)
    return render(
        request,
        "casework/search.html",
        {"search_form": form, "results": results},
        status=200 if form.is_valid() else 400,
    )


@require_GET
def citizen_detail(request, citizen_id):
    try:
        page = citizen_view(user=request.user, citizen_id=citizen_id)
    except Citizen.DoesNotExist as exc:
        raise Http404 from exc
    input_rows = []
    if page.snapshot is not None:
        input_rows = snapshot_input_rows(
            specification=page.snapshot.specification.specification,
            values=page.snapshot.values,
            language=get_language() or "da",
        )
    return render(request, "casework/citizen.html", {"page": page, "input_rows": input_rows})
