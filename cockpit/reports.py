"""The cockpit's jobcenter-wide reports on the active model version: estimated and
realised performance, calibration, fairness on realised outcomes, and drift. Each is a
plain dict that the run stores and the pages read; small groups and bins are hidden as
in the tables (``cockpit.suppression``)."""

from __future__ import annotations

import math

import numpy as np
from django.db.models import Count

from casework.models import AssessmentSnapshot, Estimate
from cockpit.estimation import estimated_performance, realised_performance
from cockpit.facts import rows_frame
from cockpit.suppression import THRESHOLD, suppression_mask
from jobcenter.models import Jobcenter
from prediction.drift import drift_status
from prediction.metrics import calibration_table, group_metrics
from prediction.models import DriftReport, ModelStatus, ModelVersion


def active_version(jobcenter: Jobcenter) -> ModelVersion | None:
    """The jobcenter's own active version of the specification its snapshots use most."""
    used = (
        AssessmentSnapshot.objects.filter(spell__jobcenter=jobcenter)
        .values("specification_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("specification_id", flat=True)[:1]
    )
    return (
        ModelVersion.objects.defer("artifact")
        .select_related("specification")
        .filter(
            jobcenter=jobcenter, specification_id__in=list(used), status=ModelStatus.ACTIVE
        )
        .first()
    )


def threshold_of(version: ModelVersion) -> float:
    return float(version.metrics.get("threshold") or version.band_cutoffs[1])


def _hidden_counts(counts: list[int]) -> list[bool]:
    """Primary and secondary suppression on one line of counts and its total."""
    if not counts:
        return []
    line = np.asarray([*counts, sum(counts)], dtype=np.int64)
    return [bool(h) for h in suppression_mask(line)[:-1]]


def fairness_report(version: ModelVersion, jobcenter: Jobcenter, threshold: float) -> dict:
    specification = version.specification.specification
    names = [feature.name for feature in specification.protected]
    rows = Estimate.objects.filter(
        model_version=version,
        spell__jobcenter=jobcenter,
        spell__outcome__isnull=False,
        probability__isnull=False,
    )
    frame = rows_frame(
        rows.values_list(
            "probability",
            "spell__outcome__unemployed_12m",
            *[f"snapshot__values__{name}__value" for name in names],
        ),
        ["p", "y", *names],
    )
    result = {"n": int(len(frame)), "threshold": threshold, "attributes": {}}
    if len(frame) < 2 or not names:
        return result
    groups, differences = group_metrics(
        y_true=frame["y"].astype(int).to_numpy(),
        probability=frame["p"].to_numpy(dtype=float),
        threshold=threshold,
        protected=frame[names],
    )
    for feature in specification.protected:
        by_group = groups.get(feature.name, {})
        ordered = sorted(by_group.items(), key=lambda item: -item[1]["n"])
        hidden = _hidden_counts([entry["n"] for _, entry in ordered])
        result["attributes"][feature.name] = {
            "label_da": feature.label("da"),
            "label_en": feature.label("en"),
            "groups": [
                {
                    "value": value,
                    "label_da": feature.value_label(value, "da")
                    if value != "missing"
                    else "ukendt",
                    "label_en": feature.value_label(value, "en")
                    if value != "missing"
                    else "unknown",
                    "hidden": hide or entry["n"] < THRESHOLD,
                    **({} if hide or entry["n"] < THRESHOLD else entry),
                }
                for (value, entry), hide in zip(ordered, hidden, strict=True)
            ],
            "differences": differences.get(feature.name, {}),
        }
    return result


def _calibration(y: np.ndarray, p: np.ndarray) -> list[dict]:
    rows = calibration_table(y_true=y, probability=p, bins=10) if len(y) else []
    hidden = _hidden_counts([row["n"] for row in rows])
    return [
        {"bin_low": r["bin_low"], "bin_high": r["bin_high"], "hidden": True}
        if hide
        else {**r, "hidden": False}
        for r, hide in zip(rows, hidden, strict=True)
    ]


def drift_report(version: ModelVersion) -> dict | None:
    report = DriftReport.objects.filter(model_version=version).order_by("-computed_at").first()
    if report is None:
        return None
    labels = {
        f.name: (f.label("da"), f.label("en")) for f in version.specification.specification.inputs
    }
    features = sorted(
        (
            {
                "name": name,
                "label_da": labels.get(name, (name, name))[0],
                "label_en": labels.get(name, (name, name))[1],
                "psi": entry.get("psi"),
                "status": drift_status(
                    entry.get("psi") if entry.get("psi") is not None else math.nan
                ),
            }
            for name, entry in report.features.items()
        ),
        key=lambda row: (
            -(row["psi"] if row["psi"] is not None and row["psi"] == row["psi"] else -1)
        ),
    )
    return {
        "computed_at": report.computed_at.isoformat(),
        "n_current": report.n_current,
        "max_psi": report.max_psi,
        "features": features,
    }


def performance_report(version: ModelVersion, jobcenter: Jobcenter) -> tuple[dict, dict]:
    """(performance, calibration) of the active version on this jobcenter's spells."""
    threshold = threshold_of(version)
    realised = rows_frame(
        Estimate.objects.filter(
            model_version=version,
            spell__jobcenter=jobcenter,
            spell__outcome__isnull=False,
            probability__isnull=False,
        ).values_list("probability", "spell__outcome__unemployed_12m"),
        ["p", "y"],
    )
    current = np.fromiter(
        Estimate.objects.filter(
            model_version=version,
            spell__jobcenter=jobcenter,
            spell__end_date__isnull=True,
            probability__isnull=False,
        ).values_list("probability", flat=True),
        dtype=np.float64,
    )
    y = realised["y"].astype(int).to_numpy() if len(realised) else np.zeros(0, dtype=int)
    p = realised["p"].to_numpy(dtype=float) if len(realised) else np.zeros(0)
    card = version.metrics or {}
    performance = {
        "version": version.number,
        "version_id": version.pk,
        "threshold": threshold,
        "card": {
            "accuracy": card.get("accuracy"),
            "auc": card.get("auc"),
            "majority_accuracy": card.get("majority_accuracy"),
            "n_test": version.n_test,
        },
        "estimated": estimated_performance(current, threshold=threshold),
        "realised": realised_performance(y, p, threshold=threshold),
    }
    return performance, {"rows": _calibration(y, p), "n": int(len(y))}


def model_in_force(version: ModelVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "version_id": version.pk,
        "number": version.number,
        "specification_id": version.specification_id,
    }
