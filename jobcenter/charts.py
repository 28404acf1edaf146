"""The one way to draw a chart: SVG on the server with pygal (no JavaScript, no CDN,
prints, and works in WeasyPrint's PDFs). Every page that shows a chart also shows its
data as a table and states its finding in a sentence; these functions only draw.

pygal's own JavaScript (tooltips, loaded from a CDN by default) is switched off and its
inline configuration script removed, and the XML declaration left out, so the SVG can
stand in an ``<img>`` of any page or PDF.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from csp.decorators import csp_update
from pygal.style import Style

__all__ = ["bar_chart_svg", "calibration_chart_svg"]

# Colours told apart by people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

STYLE = Style(
    background="#ffffff",
    plot_background="#f7f9fa",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#6b6b6b",
    colors=PALETTE,
    font_family="DejaVu Sans, Liberation Sans, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    title_font_size=16,
    legend_font_size=13,
    tooltip_font_size=12,
)

_COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "explicit_size": True,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 3,
    "print_values": False,
    "margin": 12,
    "spacing": 12,
}


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _render(chart) -> str:
    """The SVG without the inline script pygal always adds (its tooltip configuration,
    which repeats every label): a chart here is a picture and runs nothing, whether it
    stands in an ``<img>``, inline in a PDF, or is opened on its own."""
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def bar_chart_svg(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_title: str,
    x_title: str = "",
    stacked: bool = False,
    percent: bool = False,
    width: int = 720,
    height: int = 360,
) -> str:
    """A bar chart (stacked or side by side). ``None`` values are left out (a hidden
    small cell is never drawn). With ``percent`` the values are shares (0..1)."""
    kind = pygal.StackedBar if stacked else pygal.Bar
    chart = kind(
        title=title,
        x_title=x_title or None,
        y_title=y_title,
        width=width,
        height=height,
        x_label_rotation=-30 if len(x_labels) > 8 else 0,
        truncate_label=-1,
        value_formatter=(lambda v: f"{v * 100:.0f} %") if percent else (lambda v: f"{v:,.0f}"),
        range=(0, 1) if percent else None,
        include_x_axis=True,
        **_COMMON,
    )
    chart.x_labels = list(x_labels)
    for label, values in series:
        chart.add(label, list(values))
    return _render(chart)


def calibration_chart_svg(
    *,
    title: str,
    points: Sequence[tuple[float, float]],
    series_label: str,
    diagonal_label: str,
    x_title: str,
    y_title: str,
    width: int = 520,
    height: int = 420,
) -> str:
    """Predicted (x) against observed (y) shares, both 0..1, with the diagonal of a
    perfectly calibrated model for reference."""
    chart = pygal.XY(
        title=title,
        x_title=x_title,
        y_title=y_title,
        width=width,
        height=height,
        range=(0, 1),
        xrange=(0, 1),
        dots_size=4,
        stroke=True,
        show_x_guides=True,
        value_formatter=lambda v: f"{v * 100:.0f} %",
        x_value_formatter=lambda v: f"{v * 100:.0f} %",
        x_labels=[0, 0.2, 0.4, 0.6, 0.8, 1],
        y_labels=[0, 0.2, 0.4, 0.6, 0.8, 1],
        truncate_label=-1,
        **_COMMON,
    )
    chart.add(diagonal_label, [(0, 0), (1, 1)], stroke_style={"dasharray": "6, 4"}, show_dots=False)
    chart.add(series_label, list(points))
    return _render(chart)


def svg_image(view):
    """For a view that answers with one of these charts: an SVG image styles itself with
    the ``<style>`` pygal puts inside it, which the site's strict policy would refuse
    when the image is opened on its own. It runs no script (see ``_render``)."""
    return csp_update({"style-src": ["'unsafe-inline'"]})(view)
