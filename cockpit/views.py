"""The managers' cockpit: thin views over ``cockpit.selectors`` and ``cockpit.tables``.

Only a manager of a jobcenter sees them (their own jobcenter's figures); anyone else gets
the same 404 as for a page that does not exist. The figures are the jobcenter's and its
teams', never a caseworker's."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cockpit.alert_texts import alerts_shown
from cockpit.display import language, month_label
from cockpit.forms import CockpitFilterForm, ReportForm
from cockpit.selectors import Filters, cockpit_data_for_user
from cockpit.summaries import summary_run_request
from cockpit.tables import all_tables
from jobcenter.background import BackgroundUnavailable
from jobcenter.charts import svg_image
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Jobcenter, Role
from jobcenter.pdf import pdf_from_template, pdf_response
from jobcenter.spreadsheets import BOM, csv_safe_cell, spreadsheet_writer


def _data(request):
    forms = {}

    def choose(months, teams) -> Filters:
        form = CockpitFilterForm(request.GET or None, months=months, teams=teams)
        forms["form"] = form
        return form.filters()

    data = cockpit_data_for_user(user=request.user, filters=choose)
    if data is None:
        raise Http404
    return data, forms["form"]


@never_cache
@require_GET
@jobcenter_role_required(Role.MANAGER)
def index(request):
    data, form = _data(request)
    tables = all_tables(data)
    query = request.GET.urlencode()
    alerts = alerts_shown(data)
    return render(
        request,
        "cockpit/index.html",
        {
            "data": data,
            "form": form,
            "tables": tables,
            "query": query,
            "alerts": alerts,
            "report_form": ReportForm(months=data.months) if data.months else None,
            "computed_at": data.run.finished_at if data.run else None,
            "pending": data.pending,
            "filters_team": next((t for t in data.teams if t.pk == data.filters.team_id), None),
        },
    )


@require_POST
@jobcenter_role_required(Role.MANAGER)
def refresh(request):
    jobcenter = Jobcenter.objects.get(pk=request.user.jobcenter_id)
    try:
        run = summary_run_request(jobcenter=jobcenter, user=request.user)
    except BackgroundUnavailable as exc:  # no run, no audit event: the old figures stay
        messages.error(request, exc.message)
        return redirect(reverse("cockpit:index"))
    if run.is_finished:
        messages.success(request, _("Tallene er beregnet."))
    else:
        messages.info(request, _("Tallene bliver beregnet. Siden opdaterer sig selv."))
    return redirect(reverse("cockpit:index"))


def _table(request, key: str):
    data, _form = _data(request)
    tables = all_tables(data)
    if key not in tables:
        raise Http404
    return tables[key]


@never_cache
@require_GET
@jobcenter_role_required(Role.MANAGER)
@svg_image
def chart(request, key):
    table = _table(request, key)
    if table.chart is None:
        raise Http404
    return HttpResponse(table.chart(), content_type="image/svg+xml; charset=utf-8")


@never_cache
@require_GET
@jobcenter_role_required(Role.MANAGER)
def table_csv(request, key):
    table = _table(request, key)
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer, language=language())
    writer.writerow([csv_safe_cell(table.title)])
    for row in table.csv_rows():
        writer.writerow([csv_safe_cell(cell) for cell in row])
    body = BOM + buffer.getvalue()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="overblik-{key}-{stamp}.csv"'
    return response


@never_cache
@require_GET
@jobcenter_role_required(Role.MANAGER)
def report_pdf(request):
    """The one-page monthly report for the management meeting, in Danish or English."""
    forms = {}

    def choose(months, teams) -> Filters:
        form = forms["form"] = ReportForm(request.GET or None, months=months)
        if not form.is_valid():
            return Filters()
        month = datetime.date.fromisoformat(form.cleaned_data["month"])
        return Filters(first=month, last=month)

    data = cockpit_data_for_user(user=request.user, filters=choose)
    form = forms["form"]
    if not form.is_valid():
        messages.error(request, _("Vælg en måned med tal for at lave månedsrapporten."))
        return redirect(reverse("cockpit:index"))
    month = data.filters.first
    with translation.override(form.cleaned_data["language"]):
        tables = all_tables(data)
        jobcenter = Jobcenter.objects.get(pk=request.user.jobcenter_id)
        content = pdf_from_template(
            "cockpit/report_pdf.html",
            {
                "data": data,
                "tables": tables,
                "month": month_label(month),
                "jobcenter": jobcenter,
                "language": form.cleaned_data["language"],
                "computed_at": data.run.finished_at if data.run else None,
                "alerts": alerts_shown(data),
                # The one chart the page has room for (the template shows only it).
                "charts": {"outcome_bands": tables["outcome_bands"].chart()},
            },
        )
    return pdf_response(
        content, filename=f"overblik-{month:%Y-%m}-{form.cleaned_data['language']}.pdf"
    )
