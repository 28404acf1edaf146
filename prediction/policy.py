"""The auto-promotion policy, as a pure function on two model cards.

A candidate may replace the active version without a person only if
- its AUC is at least the active version's minus 0.01,
- its expected calibration error is at most 0.05, and
- for no protected attribute is its largest FPR or FNR gap between groups more than
  0.05 worse than the active version's.
With no active version, the calibration gate alone applies (plus an AUC above 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

AUC_TOLERANCE = 0.01
MAX_ECE = 0.05
GAP_TOLERANCE = 0.05


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...] = ()
    checks: dict = field(default_factory=dict)


def _gaps(card: dict) -> dict[tuple[str, str], float]:
    gaps = {}
    for attribute, differences in (card.get("group_differences") or {}).items():
        for metric in ("fpr", "fnr"):
            value = differences.get(metric)
            if value is not None:
                gaps[(attribute, metric)] = float(value)
    return gaps


def auto_promotion_verdict(*, candidate: dict, active: dict | None) -> Verdict:
    reasons = []
    metrics = candidate.get("metrics") or {}
    auc, ece = metrics.get("auc"), metrics.get("ece")
    checks = {"auc": auc, "ece": ece}
    if ece is None or ece > MAX_ECE:
        reasons.append(f"calibration error {ece} is above {MAX_ECE}")
    if active is None:
        if auc is None or auc <= 0.5:
            reasons.append(f"AUC {auc} is no better than chance")
        return Verdict(passed=not reasons, reasons=tuple(reasons), checks=checks)
    active_auc = (active.get("metrics") or {}).get("auc")
    checks["active_auc"] = active_auc
    if auc is None or (active_auc is not None and auc < active_auc - AUC_TOLERANCE):
        reasons.append(
            f"AUC {auc} is below the active version's {active_auc} minus {AUC_TOLERANCE}"
        )
    active_gaps = _gaps(active)
    for key, gap in _gaps(candidate).items():
        before = active_gaps.get(key)
        if before is not None and gap > before + GAP_TOLERANCE:
            attribute, metric = key
            reasons.append(
                f"{metric.upper()} gap for {attribute} is {gap:.3f}, more than "
                f"{GAP_TOLERANCE} worse than the active version's {before:.3f}"
            )
        checks[f"{key[0]}.{key[1]}_gap"] = gap
    return Verdict(passed=not reasons, reasons=tuple(reasons), checks=checks)
