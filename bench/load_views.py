"""The bare view of the load test's saturation comparison: what the citizen page costs
the database, and nothing else.

``bare_citizen`` sends the very SQL statements the citizen page sends: the page's reads
are ``jobcenter.compiled_reads.CompiledRead`` objects (``casework.permissions`` and
``casework.selectors`` for the page, ``prediction.selectors`` for the estimate panel's
two), and this view takes each one's SQL and parameters from the same object
(``sql_and_params``) and runs it on a plain cursor, so no model instances are built.
It writes the same events in the same transaction (``audit.services.audit_record``:
CITIZEN_VIEW, and ESTIMATE_VIEW in a savepoint when the page would show the stored
estimate) and answers ``estimate`` or ``ok``: no template, no forms, no explanation
text. It sits behind the same middleware, so it is login-protected like the page
(``LoginRequiredMiddleware``), and a citizen the user may not see gets a 404. It is
served only by the bench's URLconf (``bench/load_urls.py``).

The page's estimate panel also computes the explanation (a walk of the compiled tree)
and decides from it; the bare view takes the stored estimate of the snapshot in force,
which is what the page shows once it is computed. Corrections' previous estimates and
break-the-glass details are not read (the load users see their own team's citizens).
"""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import AuditAction
from audit.services import audit_record
from casework.models import Citizen
from casework.permissions import CITIZEN_WITH_ACCESS
from casework.selectors import (
    CITIZEN_MEETINGS,
    CITIZEN_OBJECTION,
    CITIZEN_SPELLS,
    SPELL_ESTIMATES,
    SPELL_FEEDBACK,
    SPELL_JUDGEMENTS,
    SPELL_SNAPSHOTS,
)
from prediction.selectors import ACTIVE_VERSION, SCORING_CONTROL


def _rows(cursor, read, **values) -> list[dict]:
    """One of the page's reads, run on a plain cursor: its rows as dictionaries (the
    main table's columns first; a joined table's ``id`` does not replace them)."""
    sql, params = read.sql_and_params(**values)
    cursor.execute(sql, params)
    first: dict[str, int] = {}
    for index, column in enumerate(cursor.description):
        first.setdefault(column[0], index)
    return [{name: row[i] for name, i in first.items()} for row in cursor.fetchall()]


@require_GET
def bare_citizen(request, citizen_id):
    user = request.user
    if not user.is_active or user.jobcenter_id is None:
        raise Http404
    with transaction.atomic(), connection.cursor() as cursor:
        found = _rows(
            cursor,
            CITIZEN_WITH_ACCESS,
            citizen=citizen_id,
            user=user.pk,
            jobcenter=user.jobcenter_id,
            now=timezone.now(),
            content_type=ContentType.objects.get_for_model(Citizen).pk,
        )
        if not found or not found[0]["via_team"]:
            raise Http404
        spells = _rows(cursor, CITIZEN_SPELLS, citizen=citizen_id)
        meetings = _rows(cursor, CITIZEN_MEETINGS, citizen=citizen_id) if spells else []
        current = next((s for s in spells if s["end_date"] is None), None)
        snapshot = estimate = None
        judged = objection = False
        if current is not None:
            spell = current["id"]
            snapshots = _rows(cursor, SPELL_SNAPSHOTS, spell=spell)
            if snapshots:
                history = _rows(cursor, SPELL_JUDGEMENTS, spell=spell)
                judged = any(j["caseworker_id"] == user.pk for j in history)
                estimates = _rows(cursor, SPELL_ESTIMATES, spell=spell)
                _rows(cursor, SPELL_FEEDBACK, spell=spell, user=user.pk)
                replaced = {s["corrects_id"] for s in snapshots if s["corrects_id"]}
                in_force = [s for s in snapshots if s["id"] not in replaced]
                snapshot = in_force[-1] if in_force else None
        objection = bool(_rows(cursor, CITIZEN_OBJECTION, citizen=citizen_id))
        audit_record(
            action=AuditAction.CITIZEN_VIEW,
            user=user,
            citizen_id=citizen_id,
            object_type="citizen",
            object_id=str(citizen_id),
        )
        held = sum(1 for m in meetings if current is not None and m["spell_id"] == current["id"])
        if snapshot is None or held < 2 or objection:
            return HttpResponse("ok", content_type="text/plain")
        control = _rows(cursor, SCORING_CONTROL, jobcenter=found[0]["jobcenter_id"])
        if control and control[0]["scoring_paused"]:
            return HttpResponse("ok", content_type="text/plain")
        version = _rows(
            cursor,
            ACTIVE_VERSION,
            specification=snapshot["specification_id"],
            jobcenter=found[0]["jobcenter_id"],
        )
        if not version or (found[0]["judgement_first"] and not judged):
            return HttpResponse("ok", content_type="text/plain")
        estimate = next(
            (
                e
                for e in estimates
                if e["snapshot_id"] == snapshot["id"]
                and e["model_version_id"] == version[0]["id"]
                and e["probability"] is not None
            ),
            None,
        )
        if estimate is None:
            return HttpResponse("ok", content_type="text/plain")
        with transaction.atomic():
            audit_record(
                action=AuditAction.ESTIMATE_VIEW,
                user=user,
                citizen_id=citizen_id,
                object_type="estimate",
                object_id=str(estimate["id"]),
                model_version_id=version[0]["id"],
                inputs_hash=hashlib.sha256(str(snapshot["values"]).encode()).hexdigest(),
                output={"band": estimate["band"], "probability": round(estimate["probability"], 6)},
                details={"snapshot_id": snapshot["id"], "judgement_first": True},
            )
    return HttpResponse("estimate", content_type="text/plain")
