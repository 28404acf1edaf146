"""The bare view of the load test's saturation comparison: what the citizen page costs
the database, and nothing else.

``bare_citizen`` sends the very SQL statements the citizen page's selector sends
(``casework.selectors.citizen_page_for_user`` and the estimate panel's two reads): each
is compiled once per process from the same ORM querysets with placeholder values
(``sql_with_params``) and then run on a plain cursor with the request's values, so no
model instances are built. It writes the same events in the same transaction
(``audit.services.audit_record``: CITIZEN_VIEW, and ESTIMATE_VIEW in a savepoint when the
page would show the stored estimate) and answers ``estimate`` or ``ok``: no template,
no forms, no explanation text. It sits behind the same middleware, so it is
login-protected like the page (``LoginRequiredMiddleware``), and a citizen the user may
not see gets a 404. It is served only by the bench's URLconf (``bench/load_urls.py``).

The page's estimate panel also computes the explanation (a walk of the compiled tree)
and decides from it; the bare view takes the stored estimate of the snapshot in force,
which is what the page shows once it is computed. Corrections' previous estimates and
break-the-glass details are not read (the load users see their own team's citizens).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from functools import cache

from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import AuditAction
from audit.services import audit_record

CITIZEN = uuid.UUID("00000000-0000-4000-8000-00000000b001")
USER = -70001
JOBCENTER = -70002
SPELL = uuid.UUID("00000000-0000-4000-8000-00000000b002")
SPECIFICATION = -70004
NOW = datetime.datetime(1999, 1, 1, tzinfo=datetime.UTC)
SENTINELS = {"citizen": CITIZEN, "user": USER, "jobcenter": JOBCENTER, "spell": SPELL}


class _Statement:
    """One compiled statement; its parameters' placeholder values name the request's."""

    def __init__(self, queryset, *, any_of: bool = False):
        sql, params = queryset.query.sql_with_params()
        if any_of:  # one placeholder for a list of ids: ``= ANY(%s)``
            sql = sql.replace(" IN (%s)", " = ANY(%s)")
        self.sql = sql
        self.slots = [self._slot(p) for p in params]

    @staticmethod
    def _slot(value):
        for name, sentinel in (*SENTINELS.items(), ("specification", SPECIFICATION)):
            if value == sentinel or (
                isinstance(sentinel, uuid.UUID) and value in (str(sentinel), sentinel.hex)
            ):
                return ("name", name)
        if value == NOW:
            return ("name", "now")
        return ("fixed", value)

    def run(self, cursor, values: dict) -> list[dict]:
        params = [values[v] if kind == "name" else v for kind, v in self.slots]
        cursor.execute(self.sql, params)
        # The main table's columns come first; a joined table's ``id`` must not win.
        first: dict[str, int] = {}
        for index, column in enumerate(cursor.description):
            first.setdefault(column.name, index)
        return [{name: row[i] for name, i in first.items()} for row in cursor.fetchall()]


@cache
def statements() -> dict[str, _Statement]:
    """The selector's querysets, as ``citizen_page_for_user`` builds them."""
    from django.db.models import Exists, OuterRef

    from casework.models import (
        AssessmentSnapshot,
        BreakGlassAccess,
        Citizen,
        Estimate,
        Judgement,
        Meeting,
        Objection,
        RuleFeedback,
        Spell,
    )
    from casework.permissions import _view_granted
    from jobcenter.models import User
    from prediction.models import ModelStatus, ModelVersion, ScoringControl

    user = User(pk=USER, jobcenter_id=JOBCENTER)
    citizen = (
        Citizen.objects.select_related("jobcenter")
        .filter(pk=CITIZEN, jobcenter_id=JOBCENTER)
        .annotate(
            via_team=_view_granted(user=user),
            via_break_glass=Exists(
                BreakGlassAccess.objects.filter(
                    user_id=USER, citizen_id=OuterRef("pk"), starts_at__lte=NOW, expires_at__gt=NOW
                )
            ),
        )
    )
    spells = (
        Spell.objects.filter(citizen_id=CITIZEN)
        .select_related("team", "caseworker")
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("number")))
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")
    )
    return {
        "citizen": _Statement(citizen[:21]),  # .get() fetches at most 21 rows
        "spells": _Statement(spells),
        "meetings": _Statement(
            Meeting.objects.filter(spell_id__in=[SPELL]).order_by("number"), any_of=True
        ),
        "snapshots": _Statement(
            AssessmentSnapshot.objects.filter(spell_id=SPELL)
            .select_related("specification", "created_by")
            .order_by("created_at", "pk")
        ),
        "judgements": _Statement(
            Judgement.objects.filter(spell_id=SPELL)
            .select_related("caseworker", "reveal_answer")
            .order_by("-created_at", "-pk")
        ),
        "estimates": _Statement(
            Estimate.objects.filter(spell_id=SPELL).order_by("computed_at", "pk")
        ),
        "feedback": _Statement(
            RuleFeedback.objects.filter(estimate__spell_id=SPELL, user_id=USER).order_by("pk")
        ),
        "objection": _Statement(
            Objection.objects.filter(citizen_id=CITIZEN, withdrawn_at__isnull=True)
            .select_related("recorded_by")
            .order_by("pk")[:1]
        ),
        "scoring_control": _Statement(ScoringControl.objects.filter(pk=1).order_by("pk")[:1]),
        "model_version": _Statement(
            ModelVersion.objects.select_related("specification")
            .defer("artifact")
            .filter(specification_id=SPECIFICATION, status=ModelStatus.ACTIVE)
            .order_by("pk")[:1]
        ),
    }


@require_GET
def bare_citizen(request, citizen_id):
    user = request.user
    if not user.is_active or user.jobcenter_id is None:
        raise Http404
    sql = statements()
    values = {
        "citizen": citizen_id,
        "user": user.pk,
        "jobcenter": user.jobcenter_id,
        "now": timezone.now(),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        found = sql["citizen"].run(cursor, values)
        if not found or not found[0]["via_team"]:
            raise Http404
        spells = sql["spells"].run(cursor, values)
        meetings = sql["meetings"].run(cursor, {"spell": [s["id"] for s in spells]})
        current = next((s for s in spells if s["end_date"] is None), None)
        snapshot = estimate = None
        judged = objection = False
        if current is not None:
            values["spell"] = current["id"]
            snapshots = sql["snapshots"].run(cursor, values)
            if snapshots:
                history = sql["judgements"].run(cursor, values)
                judged = any(j["caseworker_id"] == user.pk for j in history)
                estimates = sql["estimates"].run(cursor, values)
                sql["feedback"].run(cursor, values)
                replaced = {s["corrects_id"] for s in snapshots if s["corrects_id"]}
                in_force = [s for s in snapshots if s["id"] not in replaced]
                snapshot = in_force[-1] if in_force else None
        objection = bool(sql["objection"].run(cursor, values))
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
        control = sql["scoring_control"].run(cursor, values)
        if control and control[0]["scoring_paused"]:
            return HttpResponse("ok", content_type="text/plain")
        version = sql["model_version"].run(
            cursor, values | {"specification": snapshot["specification_id"]}
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
