"""What every cockpit table is made of: a shown figure (``Value``), a table with its
chart and finding (``Table``), and the number, percentage and month formats of the
current language. The tables themselves are in ``cockpit.tables`` (the work and the
outcomes) and ``cockpit.model_tables`` (the model's quality, fairness and drift)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from prediction.specification import format_number

HIDDEN = "<5"


def language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


def number(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format_number(value, language())


def percent(value, decimals: int = 0) -> str:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return f"{format_number(round(value * 100, decimals), language())} %"


def interval_text(interval, *, as_percent: bool = True, decimals: int = 0) -> str:
    if not interval:
        return "–"
    show = (lambda v: percent(v, decimals)) if as_percent else (lambda v: number(round(v, 2)))
    return f"{show(interval[0])}–{show(interval[1])}"


def month_label(month: datetime.date | None) -> str:
    if month is None:
        return _("Alle måneder")
    return formats.date_format(month, "F Y").capitalize()


@dataclass
class Value:
    """One shown figure: its text, and the number behind it (``None`` when hidden)."""

    text: str
    value: float | None = None
    hidden: bool = False


@dataclass
class Table:
    key: str
    title: str
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[Value]]]
    note: str = ""
    finding: str = ""
    chart: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def has_chart(self) -> bool:
        """Whether the table has a chart; a template must ask this, never ``chart``
        itself, which the template engine would call (and draw the chart for nothing)."""
        return self.chart is not None

    def body_html(self) -> str:
        """The table's body rows as HTML, built here rather than in the template: a
        year of months across a dozen tables is thousands of cells, and the template
        engine spent most of the page's time on them. Every text is escaped."""
        hidden_title = escape(_("Under 5, eller skjult så det ikke kan regnes ud"))
        rows = []
        for label, values in self.rows:
            cells = "".join(
                f'<td class="num hidden-cell" title="{hidden_title}">{escape(v.text)}</td>'
                if v.hidden
                else f'<td class="num">{escape(v.text)}</td>'
                for v in values
            )
            rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
        return mark_safe("\n".join(rows))  # noqa: S308 - every part escaped above

    def csv_rows(self) -> list[list[str]]:
        return [
            ["", *self.columns],
            *[[label, *(v.text for v in values)] for label, values in self.rows],
        ]
