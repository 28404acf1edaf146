"""The data team's rule review page: thin views over ``cockpit.rule_review``.

Only the analyst of a jobcenter sees it; anyone else gets the same 404 as for a page
that does not exist, whatever the method (the role is checked before the method).
Marking a flag is a POST that redirects back (PRG)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.models import RuleFeedback
from cockpit.models import RuleFeedbackReview
from cockpit.rule_review import (
    NOTE_MAX_LENGTH,
    STATES,
    leaf_disagreements,
    rule_feedback_list,
    rule_feedback_review_record,
    rule_feedback_rows,
    rule_feedback_state_counts,
    rules_page_viewed_record,
    state_label,
)
from jobcenter.decorators import jobcenter_role_required
from jobcenter.models import Role

FLAGS_PER_PAGE = 50


def _language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _filter(value) -> str:
    return value if value in STATES else ""


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def _rules_url(*, state: str = "", page: int = 1, anchor: str = "") -> str:
    query = {}
    if state:
        query["state"] = state
    if page > 1:
        query["page"] = page
    url = reverse("cockpit:rules")
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


@jobcenter_role_required(Role.ANALYST)
@require_GET
@never_cache
@transaction.atomic  # the reads and their audit event commit together
def rules(request):
    language = _language()
    state = _filter(request.GET.get("state"))
    counts = rule_feedback_state_counts(user=request.user)
    paginator = Paginator(rule_feedback_list(user=request.user, state=state), FLAGS_PER_PAGE)
    page = paginator.get_page(_page_number(request.GET.get("page")))
    review = leaf_disagreements(user=request.user, language=language)
    rules_page_viewed_record(
        user=request.user,
        state=state,
        page_number=page.number,
        flags_shown=len(page.object_list),
    )
    return render(
        request,
        "cockpit/rules.html",
        {
            "review": review,
            "flags": rule_feedback_rows(flags=page.object_list, language=language),
            "page": page,
            "state": state,
            "filters": [
                {
                    "value": value,
                    "label": state_label(value) if value else _("alle"),
                    "count": counts[value] if value else sum(counts.values()),
                    "url": _rules_url(state=value),
                    "current": value == state,
                }
                for value in ("", *STATES)
            ],
            "state_label": state_label(state) if state else "",
            "review_states": RuleFeedbackReview.State.choices,
            "kind_labels": dict(RuleFeedback.Kind.choices),
            "note_max_length": NOTE_MAX_LENGTH,
        },
    )


@jobcenter_role_required(Role.ANALYST)
@require_POST
def rule_feedback_review(request, feedback_id):
    state = _filter(request.POST.get("filter"))
    back = _rules_url(
        state=state, page=_page_number(request.POST.get("page")), anchor=f"flag-{feedback_id}"
    )
    try:
        review = rule_feedback_review_record(
            user=request.user,
            feedback_id=feedback_id,
            state=request.POST.get("state", ""),
            note=request.POST.get("note", ""),
        )
    except RuleFeedback.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("Tilbagemeldingen er markeret som %(state)s.") % {"state": state_label(review.state)},
    )
    return redirect(back)
