"""The data team's rule review: which leaves of the active trees caseworkers disagree
with most, and the rules and inputs caseworkers flagged, for the next model.

Selectors read, already scoped to the analyst's own jobcenter; the one service marks a
flag as read or acted on (one transaction, one audit event). Nothing here names or
counts per caseworker: figures exist for the jobcenter, and any figure built on fewer
than ``SMALL`` citizens is hidden (shown as "<5")."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import audit_record
from casework.models import Agreement, Judgement, JudgementReason, RuleFeedback
from cockpit.models import RuleFeedbackReview
from jobcenter.models import Role, User
from prediction.artifacts import ArtifactRefused
from prediction.explanations import tree_rules
from prediction.models import ModelVersion
from prediction.selectors import model_compiled, model_versions_active

logger = logging.getLogger(__name__)

#: A figure built on fewer citizens than this is shown as "<5".
SMALL = 5
#: How many of a leaf's disagreement reasons are shown.
TOP_REASONS = 3
NOTE_MAX_LENGTH = 2000

REASON_LABELS = dict(JudgementReason.choices)
STATE_NEW = "new"
STATES = (STATE_NEW, *RuleFeedbackReview.State.values)


def state_label(state: str) -> str:
    """A flag's state as a person reads it: "ny", "læst" or "handlet på"."""
    if state == STATE_NEW:
        return _("ny")
    return str(RuleFeedbackReview.State(state).label)


def analyst_may_review(user) -> bool:
    """The analyst of a jobcenter: the only one who sees the rule review."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_role(Role.ANALYST)
        and user.jobcenter_id is not None
    )


# -- Leaves by disagreement -------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCount:
    label: str
    count: int
    hidden: bool  # fewer than SMALL: shown as "<5"


@dataclass(frozen=True)
class LeafDisagreement:
    """One leaf of an active tree with the current judgements that saw its estimate.

    ``hidden``: built on fewer than ``SMALL`` judgements or citizens, so ``judgements``,
    ``disagreements``, ``rate`` and ``reasons`` are not shown (they are ``None``/empty)."""

    version: ModelVersion
    leaf_id: int
    hidden: bool
    judgements: int | None
    disagreements: int | None
    rate: float | None
    reasons: tuple[ReasonCount, ...]
    conditions: tuple[str, ...] | None  # None: the tree could not be read
    probability: float | None  # the model's estimate in the leaf

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else self.rate * 100

    @property
    def probability_percent(self) -> float | None:
        return None if self.probability is None else self.probability * 100


@dataclass(frozen=True)
class LeafReview:
    leaves: list[LeafDisagreement]
    versions: list[ModelVersion]
    refused: list[ModelVersion] = field(default_factory=list)  # trees that failed to load


def _reason_key(value: str) -> str:
    return f"reason_{value}"


def _leaf_rules(version: ModelVersion, language: str):
    """leaf id -> (conditions, probability) of the version's tree; None if its artefact
    is refused (then the figures are still shown, without the rule)."""
    try:
        compiled = model_compiled(version=version)
    except ArtifactRefused as exc:
        logger.error("model version %s refused: %s", version.pk, exc)
        return None
    return {
        leaf.leaf_id: (tuple(rule.text(language) for rule in leaf.conditions), leaf.probability)
        for leaf in tree_rules(compiled=compiled, band_cutoffs=version.band_cutoffs)
    }


def leaf_disagreements(*, user: User, language: str = "da") -> LeafReview:
    """The leaves of the active version(s) by disagreement rate, highest first, hidden
    leaves last. Counted over the jobcenter's current judgements (a superseded judgement
    is replaced by the newer one) that saw an estimate: ``agree`` or ``disagree``.
    One aggregate query grouped by version and leaf, whatever the number of leaves."""
    if not analyst_may_review(user):
        return LeafReview(leaves=[], versions=[])
    versions = list(model_versions_active(jobcenter_id=user.jobcenter_id))
    if not versions:
        return LeafReview(leaves=[], versions=[])
    by_id = {version.pk: version for version in versions}
    reasons = {
        _reason_key(value): Count(
            "pk", filter=Q(agreement=Agreement.DISAGREE, reason_category=value)
        )
        for value in JudgementReason.values
    }
    rows = (
        Judgement.objects.filter(
            jobcenter_id=user.jobcenter_id,
            estimate__model_version_id__in=by_id,
            estimate__leaf_id__isnull=False,
            agreement__in=(Agreement.AGREE, Agreement.DISAGREE),
            superseded_by__isnull=True,
        )
        .values("estimate__model_version_id", "estimate__leaf_id")
        .annotate(
            n=Count("pk"),
            citizens=Count("spell__citizen_id", distinct=True),
            disagreements=Count("pk", filter=Q(agreement=Agreement.DISAGREE)),
            **reasons,
        )
        .order_by()
    )
    rules = {}
    refused = []
    leaves = []
    for row in rows:
        version = by_id[row["estimate__model_version_id"]]
        if version.pk not in rules:
            rules[version.pk] = _leaf_rules(version, language)
            if rules[version.pk] is None:
                refused.append(version)
        leaf_id = row["estimate__leaf_id"]
        conditions, probability = (rules[version.pk] or {}).get(leaf_id, (None, None))
        hidden = row["n"] < SMALL or row["citizens"] < SMALL
        counted = sorted(
            (
                (row[_reason_key(value)], label)
                for value, label in REASON_LABELS.items()
                if row[_reason_key(value)]
            ),
            key=lambda item: -item[0],
        )[:TOP_REASONS]
        leaves.append(
            LeafDisagreement(
                version=version,
                leaf_id=leaf_id,
                hidden=hidden,
                judgements=None if hidden else row["n"],
                disagreements=None if hidden else row["disagreements"],
                rate=None if hidden else row["disagreements"] / row["n"],
                reasons=()
                if hidden
                else tuple(
                    ReasonCount(label=str(label), count=count, hidden=count < SMALL)
                    for count, label in counted
                ),
                conditions=conditions,
                probability=probability,
            )
        )
    leaves.sort(
        key=lambda leaf: (
            leaf.hidden,
            -(leaf.rate or 0.0),
            -(leaf.judgements or 0),
            leaf.version.specification.name,
            leaf.leaf_id,
        )
    )
    return LeafReview(leaves=leaves, versions=versions, refused=refused)


# -- Flags from caseworkers -------------------------------------------------------------


@dataclass(frozen=True)
class FlagRow:
    """One caseworker's flag, without the caseworker: what, how, when, which version."""

    feedback: RuleFeedback
    feature_label: str
    state: str  # "new" | "read" | "acted"
    review: RuleFeedbackReview | None

    @property
    def state_label(self) -> str:
        return state_label(self.state)


def _scoped_feedback(user: User):
    return RuleFeedback.objects.filter(jobcenter_id=user.jobcenter_id)


def rule_feedback_state_counts(*, user: User) -> dict[str, int]:
    """How many of the jobcenter's flags are new, read and acted on (one query)."""
    if not analyst_may_review(user):
        return dict.fromkeys(STATES, 0)
    return _scoped_feedback(user).aggregate(
        new=Count("pk", filter=Q(review__isnull=True)),
        read=Count("pk", filter=Q(review__state=RuleFeedbackReview.State.READ)),
        acted=Count("pk", filter=Q(review__state=RuleFeedbackReview.State.ACTED)),
    )


def rule_feedback_list(*, user: User, state: str = ""):
    """The jobcenter's flags, newest first, optionally only those in ``state``. The
    query never reads who flagged (nor their team): only the flag's own fields."""
    if not analyst_may_review(user):
        return RuleFeedback.objects.none()
    flags = _scoped_feedback(user)
    if state == STATE_NEW:
        flags = flags.filter(review__isnull=True)
    elif state in RuleFeedbackReview.State.values:
        flags = flags.filter(review__state=state)
    return (
        flags.select_related("review", "estimate", "model_version__specification")
        .only(
            "pk",
            "feature",
            "rule_text",
            "kind",
            "comment",
            "created_at",
            "estimate__leaf_id",
            "model_version__number",
            "model_version__specification__name",
            "model_version__specification__definition",
            "model_version__specification__sha256",
            "review__state",
            "review__note",
            "review__reviewed_at",
        )
        .order_by("-created_at", "-pk")
    )


def rule_feedback_rows(*, flags, language: str = "da") -> list[FlagRow]:
    """Rows for a page of flags, each with its input's label from the version's
    specification (each specification parsed once)."""
    specifications = {}
    rows = []
    for flag in flags:
        spec_row = flag.model_version.specification
        specification = specifications.get(spec_row.pk)
        if specification is None:
            specification = specifications[spec_row.pk] = spec_row.specification
        try:
            label = specification.feature(flag.feature).label(language)
        except KeyError:
            label = flag.feature
        review = getattr(flag, "review", None)
        rows.append(
            FlagRow(
                feedback=flag,
                feature_label=label,
                state=review.state if review else STATE_NEW,
                review=review,
            )
        )
    return rows


# -- Marking a flag ---------------------------------------------------------------------


@transaction.atomic
def rule_feedback_review_record(
    *, user: User, feedback_id: int, state: str, note: str = ""
) -> RuleFeedbackReview:
    """Marks one of the jobcenter's flags as read or acted on, with an optional note; a
    later mark replaces the earlier one. Raises ``RuleFeedback.DoesNotExist`` for a
    flag of another jobcenter (or a user who is not its analyst), ``ValidationError``
    for a state that is not read/acted or an overlong note. One audit event."""
    if not analyst_may_review(user):
        raise RuleFeedback.DoesNotExist
    feedback = (
        _scoped_feedback(user)
        .select_for_update()
        .only("pk", "jobcenter_id", "model_version_id", "feature", "kind")
        .filter(pk=feedback_id)
        .first()
    )
    if feedback is None:
        raise RuleFeedback.DoesNotExist
    note = (note or "").strip()
    errors = {}
    if state not in RuleFeedbackReview.State.values:
        errors["state"] = _("Vælg, om tilbagemeldingen er læst eller handlet på.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("Noten må højst være på %(limit)s tegn.") % {"limit": NOTE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    previous = (
        RuleFeedbackReview.objects.filter(feedback=feedback).values_list("state", flat=True).first()
    )
    review, _created = RuleFeedbackReview.objects.update_or_create(
        feedback=feedback,
        defaults={
            "jobcenter_id": feedback.jobcenter_id,
            "state": state,
            "note": note,
            "reviewed_by": user,
            "reviewed_at": timezone.now(),
        },
    )
    audit_record(
        action=AuditAction.RULE_FEEDBACK_REVIEW,
        user=user,
        object_type="rule_feedback",
        object_id=str(feedback.pk),
        model_version_id=feedback.model_version_id,
        reason=note,
        details={
            "state": state,
            "previous_state": previous or STATE_NEW,
            "feature": feedback.feature,
            "kind": feedback.kind,
        },
    )
    return review


def rules_page_viewed_record(*, user: User, state: str, page_number: int, flags_shown: int) -> None:
    """The analyst's view of the rules under review is an audit event: it shows
    caseworkers' free-text comments, which may mention a citizen. Called inside the
    view's transaction, with the reads it records."""
    audit_record(
        action=AuditAction.RULE_REVIEW_VIEW,
        user=user,
        object_type="rule_review",
        details={"state": state, "page": page_number, "flags_shown": flags_shown},
    )
