"""The import page's uploads: the file kept server-side (``ImportUpload``) between the
preview and the confirmation, and the two steps run at once or by a worker.

A file with more rows than ``IMPORT_BACKGROUND_ROWS`` is previewed and imported by a
Celery task (``casework.tasks``) that writes its progress on the row. When the broker
cannot be reached the row is put back as it was and ``BackgroundUnavailable`` says so at
once: nothing is left queued that no worker will ever take."""

from __future__ import annotations

import hashlib
import logging

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import audit_record
from casework.imports.reading import ImportRefused, import_file_read
from casework.imports.services import import_known_columns, records_import
from casework.models import ImportUpload
from jobcenter.models import Role, User

__all__ = [
    "BackgroundUnavailable",
    "UploadRefused",
    "import_upload_confirm",
    "import_upload_create",
    "import_upload_execute",
    "import_upload_get_for_user",
    "import_upload_preview",
    "import_uploads_recent",
]

logger = logging.getLogger(__name__)
State = ImportUpload.State


class UploadRefused(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class BackgroundUnavailable(UploadRefused):
    pass


def _may_import(user: User) -> bool:
    return user.has_role(Role.ADMINISTRATOR) and user.jobcenter_id is not None


def import_upload_get_for_user(*, user: User, upload_id) -> ImportUpload | None:
    """The upload, if it is the user's own in their own jobcenter (a selector)."""
    if not _may_import(user):
        return None
    return (
        ImportUpload.objects.defer("content")
        .filter(pk=upload_id, jobcenter_id=user.jobcenter_id, uploaded_by=user)
        .first()
    )


def import_uploads_recent(*, user: User, limit: int = 10):
    if not _may_import(user):
        return ImportUpload.objects.none()
    return ImportUpload.objects.defer("content").filter(
        jobcenter_id=user.jobcenter_id, uploaded_by=user
    )[:limit]


def _row_estimate(content: bytes) -> int:
    head = content[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"{", b"["):
        return max(0, content.count(b"{") - (1 if head[:1] == b"{" else 0))
    return max(0, content.count(b"\n") - 1)


@transaction.atomic
def import_upload_create(*, user: User, file_name: str, content: bytes) -> ImportUpload:
    """Keeps an uploaded file for its preview. The size is checked before anything."""
    if not _may_import(user):
        raise UploadRefused(_("Kun jobcentrets administratorer kan importere data."))
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise UploadRefused(
            _("Filen er for stor. Der kan højst importeres %(limit)s MB ad gangen.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise UploadRefused(_("Filen er tom."))
    rows = _row_estimate(content)
    upload = ImportUpload.objects.create(
        jobcenter_id=user.jobcenter_id,
        uploaded_by=user,
        file_name=file_name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        rows_total=rows,
        state=State.PREVIEW_QUEUED,
    )
    audit_record(
        action=AuditAction.IMPORT,
        user=user,
        jobcenter_id=user.jobcenter_id,
        object_type="import_upload",
        object_id=str(upload.pk),
        details={
            "stage": "upload",
            "file": upload.file_name,
            "sha256": upload.sha256,
            "bytes": upload.size,
        },
    )
    return upload


def is_large(upload: ImportUpload) -> bool:
    return upload.rows_total > settings.IMPORT_BACKGROUND_ROWS


def import_upload_start_preview(*, upload: ImportUpload) -> ImportUpload:
    """Previews at once, or through a worker for a large file."""
    if not is_large(upload):
        return import_upload_preview(upload_id=upload.pk)
    from casework.tasks import import_upload_preview_task

    _enqueue(import_upload_preview_task, upload, back_to=State.FAILED)
    return upload


def _progress_writer(upload_id):
    def progress(done: int, total: int) -> None:
        ImportUpload.objects.filter(pk=upload_id).update(rows_done=done, rows_total=total)

    return progress


def _read_and_import(upload: ImportUpload, *, dry_run: bool):
    content = bytes(ImportUpload.objects.values_list("content", flat=True).get(pk=upload.pk))
    read = import_file_read(
        content=content,
        file_name=upload.file_name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        known_columns=import_known_columns(jobcenter_id=upload.jobcenter_id),
    )
    ImportUpload.objects.filter(pk=upload.pk).update(rows_total=len(read.records), rows_done=0)
    return records_import(
        jobcenter=upload.jobcenter,
        actor=upload.uploaded_by,
        records=read.records,
        read=read,
        source="upload",
        file_name=upload.file_name,
        dry_run=dry_run,
        progress=_progress_writer(upload.pk),
    )


def _finish(upload_id, *, state: str, report=None, message: str = "") -> ImportUpload:
    fields = {"state": state, "message": message, "finished_at": timezone.now()}
    if report is not None:
        fields["report"] = report.to_dict()
        fields["rows_done"] = report.rows
    if state != State.PREVIEWED or (report is not None and not report.ok):
        # Data minimisation: a file that will not be imported (again) is not kept; its
        # SHA-256 and report stay.
        fields["content"] = b""
    ImportUpload.objects.filter(pk=upload_id).update(**fields)
    return ImportUpload.objects.defer("content").get(pk=upload_id)


def import_upload_preview(*, upload_id) -> ImportUpload:
    """Reads and checks the file and counts what it would change; writes nothing of it.
    Idempotent: an upload past its preview is left alone."""
    upload = ImportUpload.objects.defer("content").select_related("jobcenter", "uploaded_by")
    upload = upload.get(pk=upload_id)
    if upload.state not in (State.PREVIEW_QUEUED, State.PREVIEWING):
        return upload
    ImportUpload.objects.filter(pk=upload_id).update(state=State.PREVIEWING)
    try:
        report = _read_and_import(upload, dry_run=True)
    except ImportRefused as exc:
        return _finish(upload_id, state=State.FAILED, message=exc.message)
    return _finish(upload_id, state=State.PREVIEWED, report=report)


def import_upload_confirm(*, user: User, upload_id) -> ImportUpload:
    """The administrator confirms a clean preview: the import runs at once, or through
    a worker for a large file."""
    upload = import_upload_get_for_user(user=user, upload_id=upload_id)
    if upload is None:
        raise UploadRefused(_("Importen findes ikke."))
    if upload.state != State.PREVIEWED or not upload.report.get("ok"):
        raise UploadRefused(_("Filen kan ikke importeres: den er ikke gennemset uden fejl."))
    ImportUpload.objects.filter(pk=upload.pk).update(state=State.QUEUED, rows_done=0)
    upload.state = State.QUEUED
    if not is_large(upload):
        return import_upload_execute(upload_id=upload.pk)
    from casework.tasks import import_upload_execute_task

    _enqueue(import_upload_execute_task, upload, back_to=State.PREVIEWED)
    return upload


def import_upload_execute(*, upload_id) -> ImportUpload:
    """The import itself (the task's body). Idempotent: only a queued (or, after a
    killed worker, running) upload is imported; the import is one transaction."""
    upload = ImportUpload.objects.defer("content").select_related("jobcenter", "uploaded_by")
    upload = upload.get(pk=upload_id)
    if upload.state not in (State.QUEUED, State.RUNNING):
        return upload
    ImportUpload.objects.filter(pk=upload_id).update(state=State.RUNNING)
    try:
        report = _read_and_import(upload, dry_run=False)
    except ImportRefused as exc:
        return _finish(upload_id, state=State.FAILED, message=exc.message)
    if not report.ok:
        return _finish(
            upload_id,
            state=State.FAILED,
            report=report,
            message=_("Data er ændret siden gennemsynet; intet er importeret."),
        )
    return _finish(upload_id, state=State.DONE, report=report)


def _enqueue(task, upload: ImportUpload, *, back_to: str) -> None:
    """Sends the task now (the row's state is already committed). If the broker cannot
    be reached, the row goes back to ``back_to`` and the caller hears at once."""
    kwargs = {"upload_id": str(upload.pk)}
    try:
        if current_app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs)
        else:
            # One attempt to connect and none to republish: a broker that is down is
            # known in milliseconds, not after kombu's default retries (seconds).
            with current_app.connection_for_write(
                transport_options={"max_retries": 0}
            ) as connection:
                task.apply_async(kwargs=kwargs, retry=False, connection=connection)
    except Exception as exc:  # kombu's OperationalError, a refused socket, a timeout
        logger.warning("import upload %s: the broker is unreachable (%s)", upload.pk, type(exc))
        message = _(
            "Baggrundsjob kan ikke startes lige nu (køen svarer ikke). Prøv igen om lidt, "
            "eller bed driften se på Celery og Redis."
        )
        ImportUpload.objects.filter(pk=upload.pk).update(
            state=back_to, message=message if back_to == State.FAILED else ""
        )
        raise BackgroundUnavailable(message) from exc
