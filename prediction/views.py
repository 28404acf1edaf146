"""Thin views of the model registry and the public transparency page: parse input, call
a selector or service, render.

Analysts, managers, the DPO and administrators see the registry pages; anyone else gets
the same 404 as for a page that does not exist. What a role may *do* is decided by the
services in ``prediction.registry`` (they raise ``RegistryRefused``); the pages only hide
the buttons a role cannot use, and show the refusal when one is pressed anyway.
"""

from __future__ import annotations

import datetime
import logging
import math
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jobcenter.background import BackgroundUnavailable
from jobcenter.charts import calibration_chart_svg, svg_image
from jobcenter.selectors import jobcenter_public_get, jobcenters_public
from prediction.artifacts import ArtifactRefused
from prediction.comparison import model_comparison
from prediction.explanations import tree_rules
from prediction.forms import (
    ActivateForm,
    ApproveForm,
    AutoPromoteForm,
    ReasonForm,
    RejectForm,
    ScoringPauseForm,
    TrainForm,
)
from prediction.models import ModelStatus, TrainingRun
from prediction.quality_display import interval_text, quality_view
from prediction.registry import (
    REVIEWER_ROLES,
    TRAINER_ROLES,
    VIEWER_ROLES,
    RegistryRefused,
    RoleRefused,
    auto_promote_set,
    model_version_activate,
    model_version_approve,
    model_version_reject,
    model_version_retire,
    model_version_rollback,
    scoring_pause_set,
    training_run_request,
)
from prediction.selectors import (
    feature_specs_list,
    model_compiled,
    model_version_active,
    model_version_get,
    model_versions_active,
    model_versions_list,
    scoring_control,
    training_run_get,
    training_runs_recent,
)

logger = logging.getLogger(__name__)


STATUS_LABELS = {
    ModelStatus.CANDIDATE: gettext_lazy("Kandidat"),
    ModelStatus.APPROVED: gettext_lazy("Godkendt"),
    ModelStatus.ACTIVE: gettext_lazy("Aktiv"),
    ModelStatus.RETIRED: gettext_lazy("Udfaset"),
    ModelStatus.REJECTED: gettext_lazy("Afvist"),
}
RUN_STATE_LABELS = {
    TrainingRun.State.QUEUED: gettext_lazy("I kø"),
    TrainingRun.State.RUNNING: gettext_lazy("I gang"),
    TrainingRun.State.SUCCEEDED: gettext_lazy("Færdig"),
    TrainingRun.State.UNCHANGED: gettext_lazy("Data uændrede – ingen ny model"),
    TrainingRun.State.FAILED: gettext_lazy("Fejlet"),
}
BAND_LABELS = {
    "low": gettext_lazy("Lav"),
    "medium": gettext_lazy("Middel"),
    "high": gettext_lazy("Høj"),
}
TYPE_LABELS = {
    "numeric": gettext_lazy("tal"),
    "categorical": gettext_lazy("kategori"),
    "boolean": gettext_lazy("ja/nej"),
}
SPLIT_LABELS = {
    "time": gettext_lazy("efter tid: de nyeste sager er testdata"),
    "random": gettext_lazy("tilfældig, stratificeret opdeling"),
    "stratified": gettext_lazy("tilfældig, stratificeret opdeling"),
}
SOFTWARE_NAMES = {
    "sklearn": "scikit-learn",
    "numpy": "NumPy",
    "pandas": "pandas",
    "fairlearn": "Fairlearn",
    "python": "Python",
}


# -- Small helpers ---------------------------------------------------------------------


def _language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def _in(pair, language: str) -> str:
    """The ``{da, en}`` text of a model card field in ``language``."""
    if isinstance(pair, dict):
        return pair.get(language) or pair.get("da") or pair.get("en") or ""
    return str(pair or "")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _num(value, decimals: int = 3) -> str:
    """A number in the current language's format, rounded (``number_format`` alone
    truncates)."""
    return number_format(round(value, decimals), decimals) if _is_number(value) else "–"


def _pct(value, decimals: int = 1) -> str:
    return f"{_num(value * 100, decimals)} %" if _is_number(value) else "–"


def _points(value) -> str:
    """A difference between two rates, in percentage points."""
    if not _is_number(value):
        return "–"
    return _("%(value)s pct.-point") % {"value": _num(value * 100, 1)}


def _date(text) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _count(value) -> str:
    return number_format(value, 0, force_grouping=True) if _is_number(value) else "–"


def _staff_name(user) -> str:
    if user is None:
        return _("systemet (tidsplan eller politik)")
    return user.get_full_name() or user.get_username()


def _has_role(user, roles) -> bool:
    has_role = getattr(user, "has_role", None)
    return bool(has_role and has_role(*roles))


def _viewer_required(view):
    """Registry pages exist only for analysts, managers, the DPO and administrators;
    for anyone else they are the same 404 as a page that does not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _has_role(request.user, VIEWER_ROLES):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _version_or_404(request, pk: int):
    """One of the user's jobcenter's versions; another jobcenter's is a 404."""
    version = model_version_get(version_id=pk, jobcenter_id=request.user.jobcenter_id)
    if version is None:
        raise Http404
    return version


# -- The list: versions, runs, switches ------------------------------------------------


@require_GET
@_viewer_required
def model_list(request):
    return _list_render(request)


def _list_render(request, *, pause_form=None, status=200):
    user = request.user
    jobcenter_id = user.jobcenter_id
    language = _language()
    versions_by_spec: dict[int, list] = {}
    for version in model_versions_list(jobcenter_id=jobcenter_id):
        versions_by_spec.setdefault(version.specification_id, []).append(version)
    can_train = _has_role(user, TRAINER_ROLES)
    sections, seen_names = [], set()
    # newest version of each name first
    for specification in feature_specs_list(jobcenter_id=jobcenter_id):
        newest = specification.name not in seen_names
        seen_names.add(specification.name)
        versions = versions_by_spec.get(specification.pk, [])
        if not newest and not versions:
            continue
        sections.append(
            {
                "specification": specification,
                "title": specification.title_en if language == "en" else specification.title_da,
                "versions": [_version_row(version) for version in versions],
                "can_train": can_train and newest,
                "train_form": TrainForm(
                    initial={"specification": specification.pk}, jobcenter_id=jobcenter_id
                ),
            }
        )
    control = scoring_control(jobcenter_id=jobcenter_id)
    can_review = _has_role(user, REVIEWER_ROLES)
    if pause_form is None:
        pause_form = ScoringPauseForm(initial={"paused": "0" if control.scoring_paused else "1"})
    runs = [
        {"run": run, "state": RUN_STATE_LABELS.get(run.state, run.state)}
        for run in training_runs_recent(jobcenter_id=jobcenter_id, limit=10)
    ]
    return render(
        request,
        "prediction/model_list.html",
        {
            "sections": sections,
            "runs": runs,
            "control": control,
            "control_changed_by": _staff_name(control.changed_by) if control.changed_at else "",
            "can_review": can_review,
            # a refused submission is shown again with what was written, whoever sent it
            "show_switches": can_review or pause_form.is_bound,
            "pause_form": pause_form,
            "auto_promote_form": AutoPromoteForm(
                initial={"enabled": "0" if control.auto_promote else "1"}
            ),
        },
        status=status,
    )


def _version_row(version) -> dict:
    metrics = version.metrics or {}
    reference = (version.model_card or {}).get("reference") or {}
    return {
        "version": version,
        "status": STATUS_LABELS.get(version.status, version.status),
        "trained_by": _staff_name(version.trained_by),
        "quality": _quality(version, _language()),
        "auc": _num(metrics.get("auc")),
        "auc_interval": interval_text(metrics.get("auc_interval"), _language(), percent=False),
        "reference_auc": _num(reference.get("auc")),
        "n_train": _count(version.n_train),
        "n_test": _count(version.n_test),
    }


@require_POST
@_viewer_required
def model_train(request):
    form = TrainForm(request.POST, jobcenter_id=request.user.jobcenter_id)
    if not form.is_valid():
        messages.error(request, _("Specifikationen findes ikke."))
        return redirect("prediction:models")
    try:
        run = training_run_request(
            specification=form.cleaned_data["specification"],
            user=request.user,
            trigger=TrainingRun.Trigger.BUTTON,
        )
    except RoleRefused as exc:
        messages.error(request, str(exc))
        return _list_render(request, status=403)
    except RegistryRefused as exc:
        messages.error(request, str(exc))
        return redirect("prediction:models")
    except BackgroundUnavailable as exc:  # nothing was kept: the next click may work
        messages.error(request, exc.message)
        return redirect("prediction:models")
    # without a broker it ran already
    run = training_run_get(run_id=run.pk, jobcenter_id=run.jobcenter_id) or run
    if not run.is_finished:
        messages.success(request, _("Træningen er i kø eller i gang. Siden opdaterer sig selv."))
    return redirect("prediction:run", run_id=run.pk)


@require_POST
@_viewer_required
def scoring_pause(request):
    form = ScoringPauseForm(request.POST)
    if not form.is_valid():
        return _list_render(request, pause_form=form, status=400)
    paused = form.cleaned_data["paused"]
    try:
        scoring_pause_set(user=request.user, paused=paused, reason=form.cleaned_data["reason"])
    except RegistryRefused as exc:
        messages.error(request, str(exc))
        return _list_render(request, pause_form=form, status=403)
    if paused:
        messages.success(
            request, _("Al beregning af estimater er stoppet. Ingen borgere får et estimat.")
        )
    else:
        messages.success(request, _("Beregningen af estimater er genoptaget."))
    return redirect("prediction:models")


@require_POST
@_viewer_required
def auto_promote(request):
    form = AutoPromoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ugyldigt valg."))
        return redirect("prediction:models")
    enabled = form.cleaned_data["enabled"]
    try:
        auto_promote_set(user=request.user, enabled=enabled)
    except RoleRefused as exc:
        messages.error(request, str(exc))
        return _list_render(request, status=403)
    except RegistryRefused as exc:
        messages.error(request, str(exc))
        return redirect("prediction:models")
    if enabled:
        messages.success(request, _("Automatisk aktivering er slået til."))
    else:
        messages.success(request, _("Automatisk aktivering er slået fra."))
    return redirect("prediction:models")


def _quality(version, language: str):
    card = version.model_card or {}
    return quality_view(
        gate=version.quality_gate,
        metrics=card.get("metrics") or version.metrics or {},
        language=language,
    )


# -- One version: the model card and its actions ---------------------------------------

ACTIONS = {
    "approve": ApproveForm,
    "reject": RejectForm,
    "activate": ActivateForm,
    "retire": ReasonForm,
    "rollback": ReasonForm,
}


@require_GET
@_viewer_required
def model_detail(request, pk):
    return _detail_render(request, _version_or_404(request, pk))


@require_POST
@_viewer_required
def model_action(request, pk, action):
    version = _version_or_404(request, pk)
    if action == "approve":
        form = ApproveForm(request.POST, gate_failed=not version.quality_gate["passed"])
    else:
        form = ACTIONS[action](request.POST)
    if not form.is_valid():
        return _detail_render(request, version, bound={action: form}, status=400)
    data, user = form.cleaned_data, request.user
    may_activate = version.status in (ModelStatus.APPROVED, ModelStatus.RETIRED)
    if (
        action == "activate"
        and may_activate
        and _has_role(user, REVIEWER_ROLES)  # the others are refused below, by the service
        and request.POST.get("confirm") != "yes"
    ):
        return _activate_confirm_render(request, version)
    try:
        if action == "approve":
            model_version_approve(
                version=version,
                user=user,
                note=data["note"],
                gate_acknowledged=data.get("gate_acknowledged", False),
                gate_reason=data.get("gate_reason", ""),
            )
            text = _("Version %(number)s er godkendt.")
        elif action == "reject":
            model_version_reject(version=version, user=user, note=data["note"])
            text = _("Version %(number)s er afvist.")
        elif action == "activate":
            model_version_activate(version=version, user=user)
            text = _("Version %(number)s er nu aktiv og bruges til nye estimater.")
        elif action == "retire":
            model_version_retire(version=version, user=user, reason=data["reason"])
            text = _("Version %(number)s er udfaset.")
        else:
            if version.status != ModelStatus.ACTIVE:
                raise RegistryRefused(_("Kun den aktive version kan rulles tilbage."))
            restored = model_version_rollback(
                specification=version.specification, user=user, reason=data["reason"]
            )
            messages.success(
                request,
                _("Rullet tilbage: version %(to)s er aktiv igen i stedet for version %(from)s.")
                % {"to": restored.number, "from": version.number},
            )
            return redirect("prediction:version", pk=restored.pk)
    except RegistryRefused as exc:
        messages.error(request, str(exc))
        return _detail_render(request, version, bound={action: form}, status=403)
    messages.success(request, text % {"number": version.number})
    return redirect("prediction:version", pk=version.pk)


def _comparison(version, language: str):
    """The active version of the same specification, and this version beside it (for
    a version that may still be approved or activated; None otherwise)."""
    if version.status not in (ModelStatus.CANDIDATE, ModelStatus.APPROVED, ModelStatus.RETIRED):
        return None, []
    active = model_version_active(
        specification_id=version.specification_id, jobcenter_id=version.jobcenter_id
    )
    if active is None or active.pk == version.pk:
        return active, []
    labels = {
        item.get("name"): _in({"da": item.get("label_da"), "en": item.get("label_en")}, language)
        for item in (version.model_card or {}).get("protected") or []
    }
    return active, model_comparison(candidate=version, active=active, group_labels=labels)


def _activate_confirm_render(request, version):
    """The step before activation: what changes, and a button that confirms."""
    active, comparison = _comparison(version, _language())
    return render(
        request,
        "prediction/model_activate_confirm.html",
        {"version": version, "active": active, "comparison": comparison},
    )


def _detail_render(request, version, *, bound=None, status=200):
    bound = bound or {}
    user = request.user
    language = _language()
    can_review = _has_role(user, REVIEWER_ROLES)
    trained_it = version.trained_by_id is not None and version.trained_by_id == user.pk
    state = version.status
    allowed = set()
    if can_review:
        if state == ModelStatus.CANDIDATE:
            allowed |= {"reject"} | (set() if trained_it else {"approve"})
        elif state == ModelStatus.APPROVED:
            allowed |= {"activate", "reject", "retire"}
        elif state == ModelStatus.ACTIVE:
            allowed |= {"retire", "rollback"}
        elif state == ModelStatus.RETIRED and version.reviewed_at is not None:
            allowed.add("activate")
    shown = allowed | set(bound)  # a refused form is shown again with what was written
    gate_failed = not version.quality_gate["passed"]
    active, comparison = _comparison(version, language)
    actions = {
        name: bound.get(name) or (form(gate_failed=gate_failed) if name == "approve" else form())
        for name, form in ACTIONS.items()
        if name in shown
    }
    return render(
        request,
        "prediction/model_detail.html",
        {
            "version": version,
            "status": STATUS_LABELS.get(state, state),
            "trained_by": _staff_name(version.trained_by),
            "reviewed_by": _staff_name(version.reviewed_by) if version.reviewed_at else "",
            "card": _card_view(version, language),
            "active": active,
            "comparison": comparison,
            "quality": _quality(version, language),
            "actions": actions,
            "can_review": can_review,
            "trained_it": trained_it and state == ModelStatus.CANDIDATE and can_review,
        },
        status=status,
    )


def _card_view(version, language: str) -> dict:
    """The model card's JSON as rows a template can show without arithmetic. Every key
    is optional, so an older or partial card still renders."""
    card = version.model_card or {}
    metrics = card.get("metrics") or version.metrics or {}
    data = card.get("data") or {}
    reference = card.get("reference") or {}
    tree = card.get("tree") or {}
    bands = card.get("bands") or {}
    software = card.get("software") or {}
    specification = card.get("specification") or {}
    threshold = metrics.get("threshold")

    def interval(name: str, percent: bool) -> str:
        if name not in metrics:
            return ""
        return interval_text(metrics.get(f"{name}_interval"), language, percent=percent)

    metric_rows = [
        (
            _("AUC: evne til at rangordne (0,5 = tilfældigt gæt, 1 = perfekt)"),
            _num(metrics.get("auc")),
            interval("auc", False),
        ),
        (
            _("AUC for referencemodellen (%(model)s, ikke gennemskuelig)")
            % {"model": reference.get("model") or "gradient boosting"},
            _num(reference.get("auc")),
            "",
        ),
        (
            _("Hvad gennemskueligheden koster (referencens AUC minus træets)"),
            _num(reference.get("auc_gap")),
            "",
        ),
        (
            _("Andel rigtige ved tærsklen %(threshold)s") % {"threshold": _pct(threshold, 0)},
            _pct(metrics.get("accuracy")),
            interval("accuracy", True),
        ),
        (
            _("Andel rigtige ved altid at gætte det hyppigste udfald (trivielt gæt)"),
            _pct(metrics.get("majority_accuracy")),
            interval("majority_accuracy", True),
        ),
        (_("Præcision: andel af høj-skøn, der var rigtige"), _pct(metrics.get("precision")), ""),
        (
            _("Sensitivitet: andel af de stadig ledige, der fik et højt skøn"),
            _pct(metrics.get("recall")),
            "",
        ),
        (_("Falsk positiv-rate (FPR)"), _pct(metrics.get("fpr")), ""),
        (_("Falsk negativ-rate (FNR)"), _pct(metrics.get("fnr")), ""),
        (
            _("Brier-score (lavere er bedre)"),
            _num(metrics.get("brier")),
            interval("brier", False) if "brier" in metrics else "",
        ),
        (
            _("Kalibreringsfejl, ECE (lavere er bedre)"),
            _num(metrics.get("ece")),
            interval("ece", False) if "ece" in metrics else "",
        ),
        (_("Testsager"), _count(metrics.get("n")), ""),
        (_("Basisrate i testdata"), _pct(metrics.get("base_rate")), interval("base_rate", True)),
    ]
    uncertainty = card.get("uncertainty") or {}
    cross_validation = card.get("cross_validation") or {}
    return {
        "title": _in(
            {"da": specification.get("title_da"), "en": specification.get("title_en")}, language
        )
        or (version.specification.title_en if language == "en" else version.specification.title_da),
        "intended_use": _in(card.get("intended_use"), language),
        "not_for": _in(card.get("not_for"), language),
        "data": {
            "n_train": _count(data.get("n_train", version.n_train)),
            "n_test": _count(data.get("n_test", version.n_test)),
            "base_rate": _pct(data.get("base_rate", version.base_rate)),
            "data_from": version.data_from or _date(data.get("data_from")),
            "data_to": version.data_to or _date(data.get("data_to")),
            "test_from": _date(data.get("test_from")),
            "split_method": SPLIT_LABELS.get(data.get("split_method"), data.get("split_method")),
        },
        "metrics": metric_rows,
        "uncertainty": {
            "n_boot": uncertainty.get("n_boot"),
            "method": uncertainty.get("method"),
            "computed": "auc_interval" in metrics,
        },
        "cross_validation": _cross_validation(cross_validation),
        "threshold": _pct(threshold, 0),
        "accuracy": _pct(metrics.get("accuracy")),
        "majority_accuracy": _pct(metrics.get("majority_accuracy")),
        "calibration": _calibration(card.get("calibration") or []),
        "groups": _groups(card, version, language),
        "inputs": [
            {
                "label": _in({"da": item.get("label_da"), "en": item.get("label_en")}, language)
                or item.get("name"),
                "type": TYPE_LABELS.get(item.get("type"), item.get("type") or ""),
            }
            for item in card.get("inputs") or []
        ],
        "protected": [
            _in({"da": item.get("label_da"), "en": item.get("label_en")}, language)
            or item.get("name")
            for item in card.get("protected") or []
        ],
        "tree": {
            "depth": tree.get("depth"),
            "leaves": tree.get("leaves"),
            "max_depth": tree.get("max_depth"),
            "min_samples_leaf": tree.get("min_samples_leaf"),
            "leaf_floor": tree.get("leaf_floor"),
        },
        "bands": {
            "low_below": _pct(bands.get("low_below", version.band_cutoffs[0]), 0),
            "high_from": _pct(bands.get("high_from", version.band_cutoffs[1]), 0),
        },
        "software": [
            (SOFTWARE_NAMES.get(name, name), number)
            for name, number in (
                {"sklearn": version.sklearn_version, "numpy": version.numpy_version} | software
            ).items()
            if number
        ],
    }


def _calibration(rows: list) -> dict:
    """The calibration table's rows as shown, and the one-sentence finding that is the
    chart's text alternative (the chart itself: :func:`calibration_chart`)."""
    table = []
    gaps = []
    for row in rows:
        predicted, observed, n = row.get("mean_predicted"), row.get("observed_rate"), row.get("n")
        table.append(
            {
                "bin": f"{_pct(row.get('bin_low'), 0)} – {_pct(row.get('bin_high'), 0)}",
                "n": _count(n),
                "predicted": _pct(predicted),
                "observed": _pct(observed),
            }
        )
        if _is_number(predicted) and _is_number(observed) and _is_number(n):
            gaps.append((n, abs(observed - predicted)))
    total = sum(n for n, _ in gaps)
    finding = (
        _(
            "På testsagerne afviger skøn og faktisk andel stadig ledige i gennemsnit "
            "%(points)s procentpoint."
        )
        % {"points": _num(sum(n * gap for n, gap in gaps) / total * 100, 1)}
        if total
        else ""
    )
    return {"rows": table, "finding": finding}


def _calibration_points(rows: list) -> list[tuple[float, float]]:
    return [
        (row["mean_predicted"], row["observed_rate"])
        for row in rows
        if _is_number(row.get("mean_predicted")) and _is_number(row.get("observed_rate"))
    ]


@require_GET
@_viewer_required
@svg_image
def calibration_chart(request, pk):
    """The model card's calibration chart as SVG, drawn with the project's one charting
    library (``jobcenter.charts``), the same as the cockpit's."""
    version = _version_or_404(request, pk)
    rows = (version.model_card or {}).get("calibration") or []
    svg = calibration_chart_svg(
        title=_("Kalibrering på testsagerne"),
        points=_calibration_points(rows),
        series_label=_("Faktisk andel"),
        diagonal_label=_("Perfekt kalibreret"),
        x_title=_("Skøn: forudsagt andel stadig ledige"),
        y_title=_("Faktisk andel stadig ledige"),
    )
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


def _groups(card: dict, version, language: str) -> list[dict]:
    labels = {
        item.get("name"): _in({"da": item.get("label_da"), "en": item.get("label_en")}, language)
        for item in card.get("protected") or []
    }
    try:
        specification = version.specification.specification
    except Exception:  # a specification that no longer parses must not hide the card
        logger.exception("specification of model version %s cannot be read", version.pk)
        specification = None
    tables = []
    differences = card.get("group_differences") or {}
    for attribute, groups in (card.get("groups") or {}).items():
        rows = []
        for value, numbers in groups.items():
            rows.append(
                {
                    "label": _group_label(specification, attribute, value, language),
                    "n": _count(numbers.get("n")),
                    "selection_rate": _pct(numbers.get("selection_rate")),
                    "fpr": _pct(numbers.get("fpr")),
                    "fnr": _pct(numbers.get("fnr")),
                    "auc": _num(numbers.get("auc")),
                    "intervals": {
                        metric: _group_interval(numbers, metric, language)
                        for metric in ("selection_rate", "fpr", "fnr", "auc")
                    },
                }
            )
        gap = differences.get(attribute) or {}
        tables.append(
            {
                "attribute": attribute,
                "label": labels.get(attribute) or attribute,
                "rows": rows,
                "difference": {
                    "selection_rate": _points(gap.get("selection_rate")),
                    "fpr": _points(gap.get("fpr")),
                    "fnr": _points(gap.get("fnr")),
                    "auc": _num(gap.get("auc")),
                },
                "difference_intervals": {
                    metric: _gap_interval(gap, metric, language)
                    for metric in ("selection_rate", "fpr", "fnr", "auc")
                },
            }
        )
    return tables


def _group_interval(numbers: dict, metric: str, language: str) -> str:
    """A group figure's interval ("" where the figure itself is undefined)."""
    if numbers.get(metric) is None:
        return ""
    return interval_text(
        numbers.get(f"{metric}_interval"), language, percent=metric != "auc", decimals=None
    )


def _gap_interval(gap: dict, metric: str, language: str) -> str:
    """A largest gap's interval, in percentage points for the rates."""
    if gap.get(metric) is None:
        return ""
    interval = gap.get(f"{metric}_interval")
    if metric == "auc" or not interval:
        return interval_text(interval, language, percent=False)
    return f"{_num(interval[0] * 100, 1)} – {_points(interval[1])}"


def _cross_validation(cv: dict) -> dict:
    """The chosen tree's cross-validated AUC with its spread across the folds, and every
    grid cell's folds."""
    rows = []
    for row in cv.get("table") or []:
        folds = row.get("fold_aucs")
        rows.append(
            {
                "max_depth": row.get("max_depth"),
                "min_samples_leaf": row.get("min_samples_leaf"),
                "mean": _num(row.get("mean_auc")),
                "low": _num(row.get("min_auc")) if "min_auc" in row else "–",
                "high": _num(row.get("max_auc")) if "max_auc" in row else "–",
                "sd": _num(row.get("sd_auc")) if "sd_auc" in row else "–",
                "folds": " · ".join(_num(value) for value in folds) if folds else "–",
            }
        )
    return {
        "folds": cv.get("folds"),
        "mean": _num(cv.get("cv_auc")),
        "low": _num(cv.get("cv_auc_min")),
        "high": _num(cv.get("cv_auc_max")),
        "rows": rows,
    }


def _group_label(specification, attribute: str, value: str, language: str) -> str:
    if value == "missing":
        return _("oplysning mangler")
    if specification is None:
        return value
    try:
        return specification.feature(attribute).value_label(value, language)
    except KeyError:
        return value


# -- The whole tree as rules -----------------------------------------------------------


@require_GET
@_viewer_required
def model_rules(request, pk):
    version = _version_or_404(request, pk)
    language = _language()
    leaves = None
    try:
        compiled = model_compiled(version=version)
    except ArtifactRefused as exc:
        logger.error("model version %s refused: %s", version.pk, exc)
        messages.error(
            request,
            _("Modellens fil kunne ikke indlæses sikkert, så reglerne kan ikke vises: %(reason)s")
            % {"reason": exc},
        )
    else:
        leaves = [
            {
                "leaf": leaf,
                "conditions": [rule.text(language) for rule in leaf.conditions],
                # The data team's view: every step with its own effect, shown when a
                # condition stands for more than one step.
                "steps": [
                    {"text": rule.text(language), "change": _points(rule.contribution)}
                    for rule in leaf.steps
                ]
                if len(leaf.steps) != len(leaf.conditions)
                else [],
                "n": _count(leaf.n),
                "probability": _pct(leaf.probability),
                "interval": f"{_pct(leaf.interval[0])} – {_pct(leaf.interval[1])}",
                "band": leaf.band,
                "band_label": BAND_LABELS.get(leaf.band, leaf.band),
            }
            for leaf in tree_rules(compiled=compiled, band_cutoffs=version.band_cutoffs)
        ]
    return render(
        request,
        "prediction/model_rules.html",
        {
            "version": version,
            "title": version.specification.title_en
            if language == "en"
            else version.specification.title_da,
            "leaves": leaves,
        },
    )


# -- A training run --------------------------------------------------------------------


@require_GET
@never_cache
@_viewer_required
def training_run_detail(request, run_id):
    run = training_run_get(run_id=run_id, jobcenter_id=request.user.jobcenter_id)
    if run is None:
        raise Http404
    return render(
        request,
        "prediction/training_run.html",
        {
            "run": run,
            "state": RUN_STATE_LABELS.get(run.state, run.state),
            "refresh": not run.is_finished,
        },
    )


# -- The public transparency page ------------------------------------------------------


@login_not_required
@require_GET
def transparency(request):
    """The public index: the municipalities in this deployment, each with its own page.
    A deployment that serves one municipality shows that municipality's page here, as
    the address always did."""
    jobcenters = list(jobcenters_public())
    if len(jobcenters) == 1:
        return _transparency_render(request, jobcenters[0])
    if not jobcenters:
        return _transparency_render(request, None)
    return render(request, "prediction/transparency_index.html", {"jobcenters": jobcenters})


@login_not_required
@require_GET
def transparency_jobcenter(request, municipality_code):
    """One municipality's public page (each is its own data controller with its own
    model); an unknown code is a 404."""
    jobcenter = jobcenter_public_get(municipality_code=municipality_code)
    if jobcenter is None:
        raise Http404
    return _transparency_render(request, jobcenter)


def _transparency_render(request, jobcenter):
    """What public algorithm registers publish, for every model active in the
    jobcenter: purpose, limits, inputs (labels only), fairness measurement, human
    oversight, quality next to a trivial guess, dates, contact. No staff names, no
    individual data, nothing of another municipality."""
    language = _language()
    models = []
    jobcenter_id = jobcenter.pk if jobcenter else None
    for version in model_versions_active(jobcenter_id=jobcenter_id):
        card = _card_view(version, language)
        models.append(
            {
                "version": version,
                "card": card,
                "quality": _quality(version, language),
                "auc": _num((version.model_card.get("metrics") or version.metrics).get("auc"), 2),
                "approved_at": version.reviewed_at,
            }
        )
    return render(
        request,
        "prediction/transparency.html",
        {
            "jobcenter": jobcenter,
            "several": jobcenters_public().count() > 1,
            "models": models,
            "contacts": [(jobcenter.name, jobcenter.dpo_contact)] if jobcenter else [],
            "paused": scoring_control(jobcenter_id=jobcenter_id).scoring_paused,
        },
    )
