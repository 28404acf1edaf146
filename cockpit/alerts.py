"""The cockpit's alerts: which the latest figures call for (pure), and raising,
keeping or resolving them (a service: the first raise of an alert is an audit event in
the same transaction as the run that found it)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from cockpit.models import Alert

__all__ = ["alerts_update", "alerts_wanted"]

FAIRNESS_METRICS = ("selection_rate", "fpr", "fnr")


def _lower(interval) -> float | None:
    return float(interval[0]) if interval else None


def alerts_wanted(reports: dict) -> dict[str, dict]:
    """``{key: {"kind": ..., "details": {...}}}`` for every condition the reports show."""
    wanted: dict[str, dict] = {}
    gap_limit = settings.COCKPIT_FAIRNESS_GAP
    fairness = reports.get("fairness") or {}
    for attribute, entry in (fairness.get("attributes") or {}).items():
        for metric in FAIRNESS_METRICS:
            gap = (entry.get("differences") or {}).get(metric)
            if gap is None or gap <= gap_limit:
                continue
            interval = (entry.get("differences") or {}).get(f"{metric}_interval")
            wanted[f"fairness:{attribute}:{metric}"] = {
                "kind": "fairness",
                "details": {
                    "attribute": attribute,
                    "label_da": entry.get("label_da", attribute),
                    "label_en": entry.get("label_en", attribute),
                    "metric": metric,
                    "gap": gap,
                    "interval": interval,
                    "certain": bool(interval and _lower(interval) > gap_limit),
                    "limit": gap_limit,
                },
            }
    drift = reports.get("drift") or {}
    for feature in drift.get("features") or []:
        psi = feature.get("psi")
        if psi is not None and psi == psi and psi >= settings.COCKPIT_DRIFT_PSI:
            wanted[f"drift:{feature['name']}"] = {
                "kind": "drift",
                "details": {
                    "feature": feature["name"],
                    "label_da": feature["label_da"],
                    "label_en": feature["label_en"],
                    "psi": psi,
                    "limit": settings.COCKPIT_DRIFT_PSI,
                },
            }
    performance = reports.get("performance") or {}
    realised = performance.get("realised") or {}
    interval = realised.get("auc_interval")
    if realised.get("n", 0) >= 30 and (
        (interval and interval[0] <= 0.5)
        or (
            realised.get("accuracy") is not None
            and realised["accuracy"] <= (realised.get("majority_accuracy") or 0)
        )
    ):
        wanted["performance:not_better_than_guess"] = {
            "kind": "performance",
            "details": {
                "auc": realised.get("auc"),
                "auc_interval": interval,
                "accuracy": realised.get("accuracy"),
                "majority_accuracy": realised.get("majority_accuracy"),
                "n": realised.get("n"),
            },
        }
    estimated = performance.get("estimated") or {}
    card = performance.get("card") or {}
    if (
        estimated.get("accuracy_interval")
        and card.get("accuracy") is not None
        and estimated["accuracy_interval"][1] < card["accuracy"] - 0.05
    ):
        wanted["performance:estimated_drop"] = {
            "kind": "estimated_drop",
            "details": {
                "estimated": estimated.get("accuracy"),
                "interval": estimated.get("accuracy_interval"),
                "card": card.get("accuracy"),
            },
        }
    return wanted


def alerts_update(*, jobcenter, wanted: dict[str, dict], user=None) -> list[dict]:
    """Raises the new alerts (one audit event each), keeps the standing ones up to date
    and resolves those the figures no longer call for. Returns the standing alerts as
    plain dicts for the run's reports. Must run inside the run's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("alerts_update() must run inside the run's transaction")
    now = timezone.now()
    standing = {
        alert.key: alert
        for alert in Alert.objects.filter(jobcenter=jobcenter, resolved_at__isnull=True)
    }
    for key, alert in standing.items():
        if key not in wanted:
            alert.resolved_at = now
            alert.save(update_fields=["resolved_at"])
    result = []
    for key, entry in sorted(wanted.items()):
        alert = standing.get(key)
        if alert is None:
            alert = Alert.objects.create(
                jobcenter=jobcenter,
                key=key,
                kind=entry["kind"],
                details=entry["details"],
                first_raised_at=now,
                last_seen_at=now,
            )
            audit_record(
                action=AuditAction.COCKPIT_ALERT,
                user=user,
                jobcenter_id=jobcenter.pk,
                object_type="cockpit_alert",
                object_id=str(alert.pk),
                details={"key": key, "kind": entry["kind"], **entry["details"]},
            )
        else:
            alert.details = entry["details"]
            alert.last_seen_at = now
            alert.save(update_fields=["details", "last_seen_at"])
        result.append(
            {
                "key": key,
                "kind": entry["kind"],
                "details": entry["details"],
                "first_raised_at": alert.first_raised_at.isoformat(),
            }
        )
    return result
