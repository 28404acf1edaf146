"""The administrators' import page: upload, preview with every problem or the counts,
confirm; a large file's progress on a status page that refreshes itself. Thin: the work
is in ``casework.imports.uploads``."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from casework.imports.serializers import RECORD_TYPES
from casework.imports.uploads import (
    UploadRefused,
    import_upload_confirm,
    import_upload_create,
    import_upload_get_for_user,
    import_upload_start_preview,
    import_uploads_recent,
)
from casework.models import ImportUpload
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Role

TYPE_LABELS = {
    "citizen": gettext_lazy("Borgere"),
    "spell": gettext_lazy("Ledighedsforløb"),
    "meeting": gettext_lazy("Samtaler"),
    "snapshot": gettext_lazy("Vurderingsgrundlag"),
    "outcome": gettext_lazy("Udfald efter 12 måneder"),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fil (CSV eller JSON)"),
        help_text=gettext_lazy(
            "CSV med semikolon eller komma, i UTF-8 eller Windows-1252; eller JSON. "
            "Se formatet i dokumentationen (docs/imports.md)."
        ),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@jobcenter_role_required(Role.ADMINISTRATOR)
def imports(request):
    form = ImportUploadForm()
    status = 200
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                upload = import_upload_create(
                    user=request.user, file_name=uploaded.name, content=_read(uploaded)
                )
                import_upload_start_preview(upload=upload)
            except UploadRefused as exc:
                form.add_error("file", exc.message)
                status = 400
            else:
                return redirect("casework:import_detail", upload_id=upload.pk)
        else:
            status = 400
    return render(
        request,
        "casework/imports.html",
        {"form": form, "uploads": import_uploads_recent(user=request.user)},
        status=status,
    )


def _read(uploaded) -> bytes:
    """The file's bytes, its size checked first (before anything is read)."""
    if uploaded.size > settings.IMPORT_MAX_BYTES:
        raise UploadRefused(
            _("Filen er for stor. Der kan højst importeres %(limit)s MB ad gangen.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    return b"".join(uploaded.chunks())


def _upload_or_404(request, upload_id) -> ImportUpload:
    upload = import_upload_get_for_user(user=request.user, upload_id=upload_id)
    if upload is None:
        raise Http404
    return upload


@never_cache
@require_http_methods(["GET"])
@jobcenter_role_required(Role.ADMINISTRATOR)
def import_detail(request, upload_id):
    upload = _upload_or_404(request, upload_id)
    report = upload.report or {}
    counts = [
        {"label": TYPE_LABELS[name], **report.get("counts", {}).get(name, {})}
        for name in RECORD_TYPES
        if report.get("counts", {}).get(name)
    ]
    return render(
        request,
        "casework/import_detail.html",
        {
            "upload": upload,
            "report": report,
            "counts": [
                c for c in counts if c.get("created") or c.get("updated") or c.get("unchanged")
            ],
            "errors": report.get("errors", []),
            "error_count": int(report.get("error_count") or 0),
            "unreported": report.get("error_count", 0) - len(report.get("errors", [])),
            "refresh": upload.is_busy,
            "position_label": _("Post") if report.get("kind") == "json" else _("Linje"),
            "can_confirm": upload.state == ImportUpload.State.PREVIEWED and report.get("ok"),
        },
    )


@require_POST
@jobcenter_role_required(Role.ADMINISTRATOR)
def import_confirm(request, upload_id):
    upload = _upload_or_404(request, upload_id)
    try:
        upload = import_upload_confirm(user=request.user, upload_id=upload.pk)
    except UploadRefused as exc:
        messages.error(request, exc.message)
    return redirect("casework:import_detail", upload_id=upload.pk)
