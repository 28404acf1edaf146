"""The markings the DPO filters the log on.

An event counts for a marking when its action is the marked action itself or when it
carries the flag (an access made under break-the-glass, say, carries ``break_glass``).
Marked events are few, so each marking has a partial index of its own events
(``audit_flag_<name>`` on ``(jobcenter_id, occurred_at, id)``, see ``audit.models``):
a filter on one marking walks that index newest first and stops after a page, instead
of reading the whole log. The index's condition and the selector's WHERE clause are
the same ``flag_match(flag)``, which is what lets PostgreSQL prove the index applies;
a filter on several markings combines their indexes.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction


class AuditFlag:
    BREAK_GLASS = "break_glass"
    DISAGREEMENT = "disagreement"
    OUTSIDE_CASELOAD = "outside_caseload"
    FAILED_LOGIN = "failed_login"

    choices = [
        (BREAK_GLASS, _("Nødadgang")),
        (DISAGREEMENT, _("Uenighed med modellen")),
        (OUTSIDE_CASELOAD, _("Adgang uden for sagsstammen")),
        (FAILED_LOGIN, _("Mislykket login")),
    ]


# flag -> (actions that are it, flags that mark it)
FLAG_MATCHES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    AuditFlag.BREAK_GLASS: ((AuditAction.BREAK_GLASS,), (AuditFlag.BREAK_GLASS,)),
    AuditFlag.DISAGREEMENT: ((AuditAction.DISAGREEMENT,), (AuditFlag.DISAGREEMENT,)),
    AuditFlag.OUTSIDE_CASELOAD: (
        (AuditAction.BREAK_GLASS,),
        (AuditFlag.OUTSIDE_CASELOAD, AuditFlag.BREAK_GLASS),
    ),
    AuditFlag.FAILED_LOGIN: ((AuditAction.LOGIN_FAILED,), (AuditFlag.FAILED_LOGIN,)),
}


def flag_match(flag: str) -> Q:
    """The events one marking matches: its actions, or its flags in the JSON list.
    Matching the list's text for ``"name"`` (with the quotes) works alike on PostgreSQL
    and SQLite. An unknown marking matches nothing."""
    actions, markers = FLAG_MATCHES.get(flag, ((), ()))
    condition = Q()
    for action in actions:
        condition |= Q(action=action)
    for marker in markers:
        condition |= Q(flags__icontains=f'"{marker}"')
    return condition or Q(pk__in=[])


def flag_condition(flags: list[str] | tuple[str, ...]) -> Q:
    """Events with any of ``flags``."""
    condition = Q()
    for flag in flags:
        condition |= flag_match(flag)
    return condition


def flag_index_name(flag: str) -> str:
    return f"audit_flag_{flag}"
