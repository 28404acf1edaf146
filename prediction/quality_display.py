"""The quality gate and the intervals as the pages show them, in one language.

Shared by the registry pages, the transparency page and (through ``casework.display``)
the citizen page and the letter, so every page says the same thing the same way. An old
version's card has no intervals: its figures are shown with "interval not computed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from prediction.specification import format_number

__all__ = ["QualityView", "interval_text", "quality_view"]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _percent(value, language: str, decimals: int = 0) -> str:
    return f"{format_number(round(value * 100, decimals), language)} %"


def interval_text(interval, language: str, *, percent: bool, decimals: int | None = None) -> str:
    """``"70 % – 78 %"`` (or ``"0,68 – 0,80"``), or "interval not computed" for a card
    without one."""
    if not interval or not all(_is_number(value) for value in interval):
        return _("interval ikke beregnet")
    low, high = interval
    if percent:
        places = 0 if decimals is None else decimals
        return f"{_percent(low, language, places)} – {_percent(high, language, places)}"
    places = 2 if decimals is None else decimals
    low_text = format_number(round(low, places), language)
    return f"{low_text} – {format_number(round(high, places), language)}"


@dataclass(frozen=True)
class QualityView:
    """What a page says about a version's quality."""

    passed: bool
    better_than_guess: bool
    intervals: bool
    reasons: tuple[str, ...]
    causes: tuple[str, ...]
    accuracy_low: str  # "" without an interval
    accuracy_high: str
    auc_interval: str
    accuracy_interval: str
    majority_interval: str

    @property
    def warning(self) -> bool:
        """The red warning: the version is not better than a guess."""
        return not self.better_than_guess


def quality_view(*, gate: dict, metrics: dict, language: str) -> QualityView:
    """``gate`` is ``ModelVersion.quality_gate``; ``metrics`` the card's metrics."""
    key = "text_en" if language == "en" else "text_da"
    accuracy = metrics.get("accuracy_interval")
    has_accuracy = bool(accuracy) and all(_is_number(value) for value in accuracy)
    return QualityView(
        passed=bool(gate.get("passed")),
        better_than_guess=bool(gate.get("better_than_guess")),
        intervals=bool(gate.get("intervals")),
        reasons=tuple(reason.get(key, "") for reason in gate.get("reasons") or ()),
        causes=tuple(cause.get(key, "") for cause in gate.get("causes") or ()),
        accuracy_low=_percent(accuracy[0], language) if has_accuracy else "",
        accuracy_high=_percent(accuracy[1], language) if has_accuracy else "",
        auc_interval=interval_text(metrics.get("auc_interval"), language, percent=False),
        accuracy_interval=interval_text(accuracy, language, percent=True),
        majority_interval=interval_text(
            metrics.get("majority_accuracy_interval"), language, percent=True
        ),
    )
