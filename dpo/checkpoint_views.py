"""The DPO's copy of the signed audit checkpoints written outside the database
(audit.checkpoints): a page listing their jobcenter's chain's latest checkpoints and a
download of its lines, each signed on its own. Both are audited."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.checkpoints import (
    audit_checkpoints_download_start,
    audit_checkpoints_page_view,
    checkpoint_lines_for_chain,
    key_id,
    public_key_text,
    verifying_key,
)
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Role


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def checkpoints(request):
    rows = audit_checkpoints_page_view(user=request.user)
    key = verifying_key()
    return render(
        request,
        "dpo/checkpoints.html",
        {"rows": rows, "public_key": public_key_text(key), "key_id": key_id(key)},
    )


@never_cache
@require_GET
@jobcenter_role_required(Role.DPO)
def checkpoints_download(request):
    audit_checkpoints_download_start(user=request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        checkpoint_lines_for_chain(request.user.jobcenter_id),
        content_type="application/jsonl; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-checkpoints-{stamp}.jsonl"'
    return response
