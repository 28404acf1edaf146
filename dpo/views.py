"""The DPO's pages: thin views that parse input, call ``dpo.review`` (which reads and
records the audit event in one transaction) and render.

Only the DPO sees them; an administrator sees the integrity status on the front page and
nothing else; anyone else gets the same 404 as for a page that does not exist. A CPR
number arrives by POST only and never appears in a URL or a page (masked aside)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.flags import AuditFlag
from audit.keyset import cursor_decode
from audit.models import AuditEvent
from audit.selectors import (
    audit_events_export,
    integrity_status,
    staff_for_filter,
    team_names_for_filter,
)
from casework.models import Citizen
from dpo.access_report import action_label, role_label
from dpo.break_glass import (
    break_glass_queue_view,
    break_glass_review_record,
    break_glass_unreviewed_count,
)
from dpo.citizens import citizen_get_for_dpo
from dpo.csv_export import csv_lines
from dpo.forms import (
    AccessReportForm,
    AuditFilterForm,
    BreakGlassReviewForm,
    DpoCitizenSearchForm,
    ReportOptionsForm,
)
from dpo.integrity_checks import integrity_check_pending, integrity_check_request
from dpo.review import (
    access_report_produce,
    audit_citizen_search,
    audit_event_view,
    audit_export_start,
    audit_integrity_view,
    audit_log_view,
    subject_access_produce,
)
from dpo.subject_access_document import subject_access_document
from jobcenter.background import BackgroundUnavailable
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Role
from jobcenter.pdf import pdf_from_template, pdf_response

FLAG_LABELS = dict(AuditFlag.choices)


def _is_dpo(user) -> bool:
    return user.has_role(Role.DPO) and user.jobcenter_id is not None


def _language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _filter_form(request, data=None) -> AuditFilterForm:
    return AuditFilterForm(
        data,
        staff=staff_for_filter(user=request.user),
        team_names=team_names_for_filter(user=request.user),
    )


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@never_cache
@require_GET
def index(request):
    """The log, filtered and paged newest first; for an administrator, only the status
    of the latest integrity check."""
    user = request.user
    if not _is_dpo(user):
        if not user.has_role(Role.ADMINISTRATOR):
            raise Http404
        return render(request, "dpo/integrity.html", {"integrity": audit_integrity_view(user=user)})
    query = request.GET.copy()
    for name in ("before", "after"):
        query.pop(name, None)
    form = _filter_form(request, query or None)
    filters = form.filters()
    try:
        log = audit_log_view(
            user=user,
            filters=filters,
            before=cursor_decode(request.GET.get("before")),
            after=cursor_decode(request.GET.get("after")),
        )
    except Citizen.DoesNotExist as exc:
        raise Http404 from exc
    rows = [
        {
            "event": event,
            "action_label": action_label(event.action),
            "role_label": role_label(event.role) if event.user_id else "",
            "citizen_label": log.citizen_labels.get(event.citizen_id, ""),
            "flag_labels": [FLAG_LABELS.get(flag, flag) for flag in event.flags or []],
        }
        for event in log.page.rows
    ]
    return render(
        request,
        "dpo/index.html",
        {
            "form": form,
            "search_form": DpoCitizenSearchForm(),
            "integrity": integrity_status(user=user),
            "break_glass_waiting": break_glass_unreviewed_count(user=user),
            "integrity_check": integrity_check_pending(user=user),
            "page": log.page,
            "rows": rows,
            "citizen": log.citizen,
            "filters_query": query.urlencode(),
            "paged": "before" in request.GET or "after" in request.GET,
            "report_form": ReportOptionsForm(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@jobcenter_role_required(Role.DPO)
def citizen_search(request):
    """Finds a citizen by CPR number (POST) and shows their events, the URL carrying the
    citizen's key only."""
    if request.method == "GET":
        return redirect("dpo:index")
    search_form = DpoCitizenSearchForm(request.POST)
    not_found = False
    if search_form.is_valid():
        citizen = audit_citizen_search(user=request.user, cpr=search_form.cleaned_data["cpr"])
        if citizen is not None:
            return redirect(f"{reverse('dpo:index')}?{urlencode({'citizen': citizen.pk})}")
        not_found = True
    return render(
        request,
        "dpo/citizen_search.html",
        {"search_form": search_form, "not_found": not_found},
        status=200 if search_form.is_valid() else 400,
    )


@require_POST
@jobcenter_role_required(Role.DPO)
def integrity_check(request):
    """Starts a check of the log's chains now; the front page follows it."""
    try:
        run = integrity_check_request(user=request.user)
    except BackgroundUnavailable as exc:  # nothing queued, nothing recorded
        messages.error(request, exc.message)
        return redirect("dpo:index")
    if run.is_finished:
        messages.success(request, _("Kontrollen er færdig."))
    else:
        messages.info(request, _("Kontrollen er startet. Siden opdaterer sig selv."))
    return redirect("dpo:index")


@never_cache
@require_http_methods(["GET", "POST"])
@jobcenter_role_required(Role.DPO)
def break_glass_queue(request, event_id: int | None = None):
    """The queue of break-the-glass accesses to review; a POST records one verdict."""
    errors = {}
    if request.method == "POST":
        form = BreakGlassReviewForm(request.POST)
        if form.is_valid():
            try:
                break_glass_review_record(
                    user=request.user,
                    event_id=event_id,
                    verdict=form.cleaned_data["verdict"],
                    note=form.cleaned_data["note"],
                )
            except AuditEvent.DoesNotExist as exc:
                raise Http404 from exc
            except ValidationError as exc:
                errors[event_id] = " ".join(exc.messages)
            else:
                messages.success(request, _("Gennemgangen er registreret."))
                return redirect("dpo:break_glass")
        else:
            errors[event_id] = " ".join(e for field in form.errors.values() for e in field)
    queue = break_glass_queue_view(user=request.user)
    rows = [
        {
            "event": event,
            "citizen_label": queue.citizen_labels.get(event.citizen_id, ""),
            "error": errors.get(event.pk, ""),
            "note": request.POST.get("note", "") if event.pk == event_id else "",
        }
        for event in queue.unreviewed
    ]
    if errors and not any(row["event"].pk == event_id for row in rows):
        messages.error(request, errors[event_id])  # e.g. reviewed already: not in the queue
    return render(
        request,
        "dpo/break_glass.html",
        {
            "rows": rows,
            "reviewed": [
                (event, review, queue.citizen_labels.get(event.citizen_id, ""))
                for event, review in queue.reviewed
            ],
        },
        status=400 if errors else 200,
    )


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def event_detail(request, event_id: int):
    try:
        event, labels = audit_event_view(user=request.user, event_id=event_id)
    except AuditEvent.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "dpo/event.html",
        {
            "event": event,
            "action_label": action_label(event.action),
            "role_label": role_label(event.role) if event.user_id else "",
            "citizen_label": labels.get(event.citizen_id, ""),
            "flag_labels": [FLAG_LABELS.get(flag, flag) for flag in event.flags or []],
            "output_json": json.dumps(event.output, ensure_ascii=False, indent=2)
            if event.output is not None
            else "",
            "details_json": json.dumps(event.details, ensure_ascii=False, indent=2, sort_keys=True),
        },
    )


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def export_csv(request):
    """The filtered log as CSV, streamed; the export's event is committed first."""
    form = _filter_form(request, request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            " ".join(str(error) for errors in form.errors.values() for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    try:
        event = audit_export_start(user=request.user, filters=filters)
    except Citizen.DoesNotExist as exc:
        raise Http404 from exc
    events = audit_events_export(user=request.user, filters=filters, up_to_id=event.pk)
    response = StreamingHttpResponse(
        csv_lines(events.iterator(chunk_size=2000), language=_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-log-{_stamp()}.csv"'
    return response


def _include_names(request) -> bool:
    form = ReportOptionsForm(request.GET)
    return bool(form.is_valid() and form.cleaned_data["names"])


def _access_report(request, citizen_id, output_format: str):
    """The report for the period asked for, or (a bad period) None and the form with
    its errors; nothing is recorded for a report not produced."""
    form = AccessReportForm(request.GET)
    if not form.is_valid():
        try:
            citizen = citizen_get_for_dpo(user=request.user, citizen_id=citizen_id)
        except Citizen.DoesNotExist as exc:
            raise Http404 from exc
        return None, form, citizen
    try:
        report = access_report_produce(
            user=request.user,
            citizen_id=citizen_id,
            include_names=form.cleaned_data["names"],
            output_format=output_format,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    except Citizen.DoesNotExist as exc:
        raise Http404 from exc
    return report, form, report.citizen


def _access_report_page(request, citizen_id, output_format: str):
    report, form, citizen = _access_report(request, citizen_id, output_format)
    return render(
        request,
        "dpo/access_report.html",
        {"report": report, "report_form": form, "citizen": citizen},
        status=200 if report is not None else 400,
    )


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def access_report(request, citizen_id):
    return _access_report_page(request, citizen_id, "html")


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def access_report_pdf(request, citizen_id):
    report, _form, _citizen = _access_report(request, citizen_id, "pdf")
    if report is None:  # the page, with the form's errors
        return _access_report_page(request, citizen_id, "pdf")
    content = pdf_from_template(
        "dpo/access_report_pdf.html", {"report": report}, request, accessible=True
    )
    return pdf_response(content, filename=f"indsigtsrapport-{_stamp()}.pdf")


def _subject_access(request, citizen_id, output_format: str):
    try:
        return subject_access_produce(
            user=request.user,
            citizen_id=citizen_id,
            include_names=_include_names(request),
            output_format=output_format,
            language=_language(),
        )
    except Citizen.DoesNotExist as exc:
        raise Http404 from exc


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def subject_access_json(request, citizen_id):
    data, _report = _subject_access(request, citizen_id, "json")
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="indsigt-{_stamp()}.json"'
    return response


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def subject_access_pdf(request, citizen_id):
    data, report = _subject_access(request, citizen_id, "pdf")
    content = pdf_from_template(
        "dpo/subject_access_pdf.html",
        {
            "data": data,
            "document": subject_access_document(data),
            "report": report,
            "generated_at": report.generated_at,
        },
        request,
        accessible=True,
    )
    return pdf_response(content, filename=f"indsigt-{_stamp()}.pdf")
