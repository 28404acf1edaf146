"""The cockpit's tables and charts, built from :class:`~cockpit.selectors.CockpitData`.

Every figure the page, the CSV files and the PDF show comes from here, so a hidden cell
("<5") is hidden the same way everywhere. A table knows its chart (if it has one) and
the one-sentence finding that is the chart's text alternative.
"""

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

from casework.models import BenefitType, JudgementReason
from cockpit.selectors import CockpitData
from jobcenter.charts import bar_chart_svg, calibration_chart_svg
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


def _count_value(cell) -> Value:
    if cell is None:
        return Value(number(0), 0)
    if cell.hidden:
        return Value(HIDDEN, None, True)
    return Value(number(cell.n), cell.n)


def _rate_value(cell) -> Value:
    """The share still unemployed (``k / n``) of a cell, hidden with it."""
    if cell is None or cell.n == 0:
        return Value("–")
    if cell.hidden:
        return Value(HIDDEN, None, True)
    return Value(percent(cell.k / cell.n), cell.k / cell.n)


def band_labels() -> dict[str, str]:
    return {
        "low": _("Lav"),
        "medium": _("Middel"),
        "high": _("Høj"),
        "none": _("Intet estimat"),
    }


def agreement_labels() -> dict[str, str]:
    return {
        "agree": _("Enig med estimatet"),
        "disagree": _("Uenig med estimatet"),
        "not_seen": _("Vurderet før estimatet blev vist"),
    }


def _counts_by_month(data: CockpitData, measure: str, categories: dict[str, str]):
    """Rows: each month shown and all months; columns: each category and the total."""
    rows = []
    for month in [*data.months_shown, None]:
        values = [_count_value(data.cell(measure, month, c)) for c in categories]
        values.append(_count_value(data.cell(measure, month, "")))
        rows.append((month_label(month), values))
    return rows


def _stacked_chart(title: str, y_title: str, rows, categories: dict[str, str]) -> Callable:
    def draw() -> str:
        months = rows[:-1]  # not "all months"
        return bar_chart_svg(
            title=title,
            x_labels=[label for label, _ in months],
            series=[
                (label, [values[i].value for _, values in months])
                for i, label in enumerate(categories.values())
            ],
            y_title=y_title,
            stacked=True,
        )

    return draw


def _share_sentence(rows, index: int) -> tuple[float, float] | None:
    """The share of column ``index`` in the total over the shown months, from the
    visible months only (``None`` when nothing is visible)."""
    part = total = 0.0
    for _label, values in rows[:-1]:
        if values[index].value is None or values[-1].value is None:
            continue
        part += values[index].value
        total += values[-1].value
    return (part, total) if total else None


def judgements_table(data: CockpitData) -> Table:
    categories = agreement_labels()
    rows = _counts_by_month(data, "judgements", categories)
    share = _share_sentence(rows, 1)
    finding = (
        _("I de viste måneder var %(share)s af de faglige vurderinger uenige med estimatet.")
        % {"share": percent(share[0] / share[1])}
        if share
        else _("Der er endnu ingen faglige vurderinger i de viste måneder.")
    )
    title = _("Faglige vurderinger pr. måned")
    return Table(
        key="judgements",
        title=title,
        caption=_("Antal faglige vurderinger, og om sagsbehandleren var enig med estimatet"),
        columns=[*categories.values(), _("I alt")],
        rows=rows,
        note=_(
            "“Vurderet før estimatet blev vist” er vurderinger, hvor jobcentret bruger "
            "faglig vurdering først."
        ),
        finding=finding,
        chart=_stacked_chart(title, _("Antal vurderinger"), rows, categories),
    )


def disagreement_reasons_table(data: CockpitData) -> Table:
    categories = dict(JudgementReason.choices)
    rows = _counts_by_month(data, "disagreement_reasons", categories)
    last = rows[-1][1]  # all months
    visible = [
        (label, v.value) for label, v in zip(categories.values(), last, strict=False) if v.value
    ]
    finding = (
        _("Den hyppigste begrundelse for uenighed er: %(reason)s.")
        % {"reason": max(visible, key=lambda item: item[1])[0]}
        if visible
        else _("Der er endnu ingen registreret uenighed.")
    )
    return Table(
        key="disagreement_reasons",
        title=_("Begrundelser for uenighed pr. måned"),
        caption=_("Antal vurderinger, der var uenige med estimatet, efter begrundelse"),
        columns=[*categories.values(), _("I alt")],
        rows=rows,
        finding=finding,
    )


def risk_bands_table(data: CockpitData) -> Table:
    categories = band_labels()
    rows = _counts_by_month(data, "risk_bands", categories)
    share = _share_sentence(rows, 2)
    finding = (
        _("I de viste måneder fik %(share)s af de vurderede forløb estimatet høj risiko.")
        % {"share": percent(share[0] / share[1])}
        if share
        else _("Der er endnu ingen estimater i de viste måneder.")
    )
    title = _("Risikogrupper pr. måned")
    return Table(
        key="risk_bands",
        title=title,
        caption=_("Forløb efter måned for 2. samtale og risikogruppe i det nyeste estimat"),
        columns=[*categories.values(), _("I alt")],
        rows=rows,
        note=_("“Intet estimat”: borgeren har gjort indsigelse, eller et krævet input mangler."),
        finding=finding,
        chart=_stacked_chart(title, _("Antal forløb"), rows, categories),
    )


def open_bands_table(data: CockpitData) -> Table:
    categories = band_labels()
    values = [_count_value(data.cell("open_bands", None, c)) for c in categories]
    values.append(_count_value(data.cell("open_bands", None, "")))
    high = values[2].value
    total = values[-1].value
    finding = (
        _("Af %(total)s åbne forløb har %(share)s estimatet høj risiko.")
        % {"total": number(total), "share": percent(high / total)}
        if total and high is not None
        else _("Der er ingen åbne forløb at vise.")
    )
    return Table(
        key="open_bands",
        title=_("Åbne forløb nu efter risikogruppe"),
        caption=_("Åbne forløb, da tallene blev beregnet"),
        columns=[*categories.values(), _("I alt")],
        rows=[(_("Nu"), values)],
        finding=finding,
    )


def activity_table(data: CockpitData) -> Table:
    measures = {
        "objections": _("Indsigelser"),
        "corrections": _("Rettelser af oplysninger"),
        "break_glass": _("Nødadgange"),
        "lookups": _("Opslag på borgere"),
    }
    rows = [
        (month_label(month), [_count_value(data.cell(m, month)) for m in measures])
        for month in [*data.months_shown, None]
    ]
    lookups = rows[-1][1][3]
    return Table(
        key="activity",
        title=_("Indsigelser, rettelser, nødadgange og opslag pr. måned"),
        caption=_("Antal pr. måned"),
        columns=list(measures.values()),
        rows=rows,
        note=_(
            "Nødadgange og opslag tælles efter sagsbehandlerens team og kan ikke opdeles "
            "efter ydelse."
        ),
        finding=_("I alt er der registreret %(n)s opslag på borgere.") % {"n": lookups.text},
    )


def outcome_bands_table(data: CockpitData) -> Table:
    categories = {k: v for k, v in band_labels().items() if k != "none"}
    rows = []
    for category, label in [*categories.items(), ("", _("I alt"))]:
        model = data.cell("outcome_by_estimate", None, category)
        judged = data.cell("outcome_by_judgement", None, category)
        rows.append(
            (
                label,
                [
                    _count_value(model),
                    _rate_value(model),
                    _count_value(judged),
                    _rate_value(judged),
                ],
            )
        )
    high, low = rows[2][1][1], rows[0][1][1]
    finding = (
        _(
            "Af borgere med estimatet høj risiko var %(high)s stadig ledige efter 12 måneder, "
            "mod %(low)s med estimatet lav risiko."
        )
        % {"high": high.text, "low": low.text}
        if high.value is not None and low.value is not None
        else _("Der er endnu for få kendte udfald til at sammenligne risikogrupperne.")
    )

    def chart() -> str:
        labels = list(categories.values())
        return bar_chart_svg(
            title=_("Andel stadig ledige efter 12 måneder"),
            x_labels=labels,
            series=[
                (_("Efter modellens risikogruppe"), [r[1][1].value for r in rows[:3]]),
                (_("Efter sagsbehandlerens vurdering"), [r[1][3].value for r in rows[:3]]),
            ],
            y_title=_("Andel stadig ledige"),
            percent=True,
        )

    return Table(
        key="outcome_bands",
        title=_("Udfald efter risikogruppe"),
        caption=_("Forløb med kendt udfald: antal og andel stadig ledige efter 12 måneder"),
        columns=[
            _("Modellens gruppe: antal"),
            _("Modellens gruppe: andel stadig ledige"),
            _("Sagsbehandlerens vurdering: antal"),
            _("Sagsbehandlerens vurdering: andel stadig ledige"),
        ],
        rows=rows,
        note=_("Alle forløb, hvis udfald efter 12 måneder er kendt; perioden gælder ikke her."),
        finding=finding,
        chart=chart,
    )


def right_table(data: CockpitData) -> Table:
    columns = {
        "right": _("Ramte rigtigt"),
        "wrong": _("Ramte forkert"),
        "medium": _("Middel"),
    }
    rows = []
    shares = []
    for measure, label in (
        ("model_right", _("Modellens estimat")),
        ("caseworker_right", _("Sagsbehandlernes vurdering")),
    ):
        values = [_count_value(data.cell(measure, None, c)) for c in columns]
        values.append(_count_value(data.cell(measure, None, "")))
        right, wrong = values[0].value, values[1].value
        share = (
            right / (right + wrong)
            if right is not None and wrong is not None and right + wrong
            else None
        )
        shares.append(share)
        values.append(Value(percent(share), share))
        rows.append((label, values))
    finding = (
        _(
            "Når de lagde sig fast på lav eller høj, ramte modellen rigtigt i %(model)s og "
            "sagsbehandlerne i %(caseworkers)s af forløbene."
        )
        % {"model": percent(shares[0]), "caseworkers": percent(shares[1])}
        if None not in shares
        else _("Der er endnu for få kendte udfald til at sammenligne.")
    )
    return Table(
        key="right",
        title=_("Hvem ramte rigtigt: modellen og sagsbehandlerne"),
        caption=_("Forløb med kendt udfald"),
        columns=[*columns.values(), _("I alt"), _("Andel rigtige af lav og høj")],
        rows=rows,
        note=_(
            "Høj er rigtigt, når borgeren stadig var ledig efter 12 måneder; lav, når "
            "borgeren ikke var. Middel lægger sig ikke fast."
        ),
        finding=finding,
    )


def disagreement_outcome_table(data: CockpitData) -> Table:
    columns = {
        "caseworker": _("Sagsbehandleren ramte rigtigt"),
        "model": _("Modellen ramte rigtigt"),
        "neither": _("Ingen forskel"),
    }
    rows = []
    for reason, label in JudgementReason.choices:
        measure = f"disagreement_outcome:{reason}"
        values = [_count_value(data.cell(measure, None, c)) for c in columns]
        values.append(_count_value(data.cell(measure, None, "")))
        rows.append((str(label), values))
    caseworker = sum(v[0].value or 0 for _, v in rows)
    model = sum(v[1].value or 0 for _, v in rows)
    finding = (
        _(
            "Når sagsbehandlerne var uenige, fik sagsbehandleren ret i %(caseworker)s og "
            "modellen i %(model)s af de viste forløb."
        )
        % {"caseworker": number(caseworker), "model": number(model)}
        if caseworker or model
        else _("Der er endnu ingen kendte udfald for forløb med uenighed.")
    )
    return Table(
        key="disagreement_outcome",
        title=_("Ved uenighed: hvem fik ret, efter begrundelse"),
        caption=_("Forløb med kendt udfald, hvor sagsbehandleren var uenig med estimatet"),
        columns=[*columns.values(), _("I alt")],
        rows=rows,
        note=_(
            "“Ingen forskel”: begge eller ingen af dem ramte rigtigt, eller en af dem sagde middel."
        ),
        finding=finding,
    )


def calibration_table_for(data: CockpitData) -> Table | None:
    calibration = data.reports.get("calibration")
    if not calibration:
        return None
    rows = []
    points = []
    for row in calibration["rows"]:
        label = f"{percent(row['bin_low'])}–{percent(row['bin_high'])}"
        if row.get("hidden"):
            rows.append((label, [Value(HIDDEN, None, True)] * 3))
            continue
        rows.append(
            (
                label,
                [
                    Value(number(row["n"]), row["n"]),
                    Value(percent(row["mean_predicted"]), row["mean_predicted"]),
                    Value(percent(row["observed_rate"]), row["observed_rate"]),
                ],
            )
        )
        points.append((row["mean_predicted"], row["observed_rate"]))
    shown = [r for r in calibration["rows"] if not r.get("hidden")]
    total = sum(r["n"] for r in shown)
    gap = (
        sum(r["n"] * abs(r["observed_rate"] - r["mean_predicted"]) for r in shown) / total
        if total
        else None
    )
    finding = (
        _(
            "Den forudsagte og den faktiske andel stadig ledige afviger i gennemsnit "
            "%(points)s procentpoint."
        )
        % {"points": number(round(gap * 100, 1))}
        if gap is not None
        else _("Der er endnu ingen kendte udfald for den aktive version.")
    )

    def chart() -> str:
        return calibration_chart_svg(
            title=_("Kalibrering af den aktive version"),
            points=points,
            series_label=_("Faktisk andel"),
            diagonal_label=_("Perfekt kalibreret"),
            x_title=_("Forudsagt andel stadig ledige"),
            y_title=_("Faktisk andel stadig ledige"),
        )

    return Table(
        key="calibration",
        title=_("Kalibrering på kendte udfald"),
        caption=_("Forudsagt og faktisk andel stadig ledige, efter forudsagt sandsynlighed"),
        columns=[_("Antal forløb"), _("Forudsagt andel"), _("Faktisk andel")],
        rows=rows,
        note=_("Hele jobcentret; kun forløb, som den aktive version har givet et estimat."),
        finding=finding,
        chart=chart if points else None,
    )


def performance_table(data: CockpitData) -> Table | None:
    performance = data.reports.get("performance")
    if not performance:
        return None
    card, estimated, realised = (
        performance["card"],
        performance["estimated"],
        performance["realised"],
    )

    def figure(value, interval=None) -> Value:
        text = percent(value, 1) if value is not None else "–"
        if interval:
            text += " " + _("(95 %%-interval %(interval)s)") % {
                "interval": interval_text(interval, decimals=1)
            }
        return Value(text, value)

    def auc(value, interval=None) -> Value:
        text = number(round(value, 3)) if value is not None else "–"
        if interval:
            text += " " + _("(95 %%-interval %(interval)s)") % {
                "interval": interval_text(interval, as_percent=False)
            }
        return Value(text, value)

    rows = [
        (
            _("Andel rigtige (ved tærsklen for høj risiko)"),
            [
                figure(card.get("accuracy")),
                figure(estimated.get("accuracy"), estimated.get("accuracy_interval")),
                figure(realised.get("accuracy"), realised.get("accuracy_interval")),
            ],
        ),
        (
            _("Andel rigtige ved altid at gætte det hyppigste udfald"),
            [
                figure(card.get("majority_accuracy")),
                Value("–"),
                figure(realised.get("majority_accuracy")),
            ],
        ),
        (
            _("AUC (0,5 = som at slå plat og krone)"),
            [
                auc(card.get("auc")),
                auc(estimated.get("auc"), estimated.get("auc_interval")),
                auc(realised.get("auc"), realised.get("auc_interval")),
            ],
        ),
        (
            _("Antal forløb"),
            [
                Value(number(card.get("n_test"))),
                Value(number(estimated.get("n"))),
                Value(number(realised.get("n"))),
            ],
        ),
    ]
    finding = _(
        "Skønnet ud fra modellens egne sandsynligheder rammer den aktive version rigtigt i "
        "%(estimated)s af de åbne forløb; på de kendte udfald ramte den rigtigt i %(realised)s."
    ) % {
        "estimated": percent(estimated.get("accuracy")),
        "realised": percent(realised.get("accuracy")),
    }
    return Table(
        key="performance",
        title=_("Hvor god er den aktive version nu?"),
        caption=_("Modelkortets tal, det skønnede tal for de åbne forløb og det faktiske tal"),
        columns=[
            _("Modelkortet (testdata)"),
            _("Skøn for åbne forløb (før udfaldet kendes)"),
            _("Faktisk på kendte udfald"),
        ],
        rows=rows,
        note=_(
            "Skønnet bygger på, at modellens sandsynligheder passer (confidence-based "
            "performance estimation, CBPE): det er et skøn, ikke en måling, og intervallet "
            "kommer fra %(n)s simulerede udfald. Det faktiske tal kommer, efterhånden som "
            "udfaldene kendes 12 måneder senere."
        )
        % {"n": number(estimated.get("simulations") or 0)},
        finding=finding,
    )


def _with_interval(value, interval) -> str:
    text = percent(value)
    return f"{text} ({interval_text(interval)})" if interval and value is not None else text


def fairness_tables(data: CockpitData) -> list[Table]:
    fairness = data.reports.get("fairness") or {}
    tables = []
    lang = language()
    metrics = {
        "selection_rate": _("Andel med høj risiko"),
        "fpr": _("Falsk positive (høj, men kom i arbejde)"),
        "fnr": _("Falsk negative (ikke høj, men stadig ledig)"),
    }
    limit = data.reports.get("fairness_gap_threshold")
    for name, attribute in (fairness.get("attributes") or {}).items():
        rows = []
        for group in attribute["groups"]:
            label = group[f"label_{lang}"]
            if group.get("hidden"):
                rows.append((label, [Value(HIDDEN, None, True)] * (len(metrics) + 1)))
                continue
            values = [Value(number(group["n"]), group["n"])]
            for metric in metrics:
                values.append(
                    Value(
                        _with_interval(group.get(metric), group.get(f"{metric}_interval")),
                        group.get(metric),
                    )
                )
            rows.append((label, values))
        differences = attribute.get("differences") or {}
        gap_values = [Value("")]
        for metric in metrics:
            gap = differences.get(metric)
            interval = differences.get(f"{metric}_interval")
            gap_values.append(Value(_with_interval(gap, interval), gap))
        rows.append((_("Største forskel mellem grupper"), gap_values))
        largest = max(
            (
                (metric, differences.get(metric))
                for metric in metrics
                if differences.get(metric) is not None
            ),
            key=lambda item: item[1],
            default=None,
        )
        finding = (
            _(
                "Den største forskel mellem grupperne efter %(attribute)s er %(gap)s "
                "procentpoint i %(metric)s."
            )
            % {
                "attribute": attribute[f"label_{lang}"].lower(),
                "gap": number(round(largest[1] * 100, 1)),
                "metric": metrics[largest[0]].lower(),
            }
            if largest
            else _("Der er for få kendte udfald i grupperne til at sammenligne dem.")
        )
        tables.append(
            Table(
                key=f"fairness_{name}",
                title=_("Forskelle efter %(attribute)s")
                % {"attribute": attribute[f"label_{lang}"].lower()},
                caption=_("Den aktive versions estimater på kendte udfald, efter %(attribute)s")
                % {"attribute": attribute[f"label_{lang}"].lower()},
                columns=[_("Antal"), *metrics.values()],
                rows=rows,
                note=_(
                    "Tal i parentes er 95 %%-intervaller. Grupper med under 30 forløb indgår "
                    "ikke i den største forskel. Grænsen for en advarsel er %(limit)s procentpoint."
                )
                % {"limit": number(round((limit or 0) * 100))},
                finding=finding,
            )
        )
    return tables


def drift_table(data: CockpitData) -> Table | None:
    drift = data.reports.get("drift")
    if not drift:
        return None
    lang = language()
    status = {
        "stable": _("Stabil"),
        "moderate": _("Moderat ændret"),
        "significant": _("Markant ændret"),
        "unknown": _("Kan ikke beregnes"),
    }
    rows = [
        (
            feature[f"label_{lang}"],
            [
                Value(
                    number(round(feature["psi"], 3)) if feature["psi"] is not None else "–",
                    feature["psi"],
                ),
                Value(status.get(feature["status"], feature["status"])),
            ],
        )
        for feature in drift["features"]
    ]
    top = drift["features"][0] if drift["features"] else None
    finding = (
        _("Størst ændring i %(feature)s (PSI %(psi)s).")
        % {"feature": top[f"label_{lang}"].lower(), "psi": number(round(top["psi"], 3))}
        if top and top["psi"] is not None
        else _("Der er ingen driftmåling endnu.")
    )
    return Table(
        key="drift",
        title=_("Drift: har borgernes oplysninger flyttet sig siden træningen?"),
        caption=_("Population stability index (PSI) pr. input, størst først"),
        columns=[_("PSI"), _("Status")],
        rows=rows,
        note=_("Under 0,1: stabil; 0,1–0,25: moderat; over 0,25: markant."),
        finding=finding,
    )


def all_tables(data: CockpitData) -> dict[str, Table]:
    tables = [
        judgements_table(data),
        disagreement_reasons_table(data),
        risk_bands_table(data),
        open_bands_table(data),
        activity_table(data),
        outcome_bands_table(data),
        right_table(data),
        disagreement_outcome_table(data),
        calibration_table_for(data),
        performance_table(data),
        *fairness_tables(data),
        drift_table(data),
    ]
    return {table.key: table for table in tables if table is not None}


def benefit_choices() -> list[tuple[str, str]]:
    return [("", _("Alle ydelser")), *BenefitType.choices]


ALERT_ADVICE = {
    "fairness": lambda: _(
        "Drøft forskellen med dataenheden: se modelkortets gruppetal, om forskellen også "
        "var der i testdata, og om et input står i stedet for den beskyttede oplysning. "
        "Overvej at sætte beregning af estimater på pause, indtil det er afklaret."
    ),
    "drift": lambda: _(
        "Borgernes oplysninger har flyttet sig siden træningen. Bed dataenheden om at "
        "undersøge ændringen og træne en ny version på nyere data."
    ),
    "performance": lambda: _(
        "På de kendte udfald er modellen ikke bedre end et gæt. Overvej at sætte "
        "beregning af estimater på pause og bed dataenheden om en ny version."
    ),
    "estimated_drop": lambda: _(
        "Det skønnede antal rigtige ligger klart under modelkortets. Hold øje med de "
        "faktiske udfald, og bed dataenheden undersøge, hvad der har ændret sig."
    ),
}


def alert_text(alert: dict) -> str:
    lang = language()
    details = alert["details"]
    kind = alert["kind"]
    if kind == "fairness":
        metric = {
            "selection_rate": _("andelen med høj risiko"),
            "fpr": _("andelen falsk positive"),
            "fnr": _("andelen falsk negative"),
        }.get(details["metric"], details["metric"])
        text = _(
            "Forskel efter %(attribute)s: %(metric)s afviger %(gap)s procentpoint mellem "
            "grupperne (grænse %(limit)s)."
        ) % {
            "attribute": details[f"label_{lang}"].lower(),
            "metric": metric,
            "gap": f"{details['gap'] * 100:.1f}".replace(".", "," if lang == "da" else "."),
            "limit": f"{details['limit'] * 100:.0f}",
        }
        if details.get("interval"):
            low, high = details["interval"]
            text += " " + _("95 %%-interval: %(low)s–%(high)s procentpoint.") % {
                "low": f"{low * 100:.1f}".replace(".", "," if lang == "da" else "."),
                "high": f"{high * 100:.1f}".replace(".", "," if lang == "da" else "."),
            }
        return text
    if kind == "drift":
        return _("Drift i %(feature)s: PSI %(psi)s (grænse %(limit)s).") % {
            "feature": details[f"label_{lang}"].lower(),
            "psi": f"{details['psi']:.2f}".replace(".", "," if lang == "da" else "."),
            "limit": f"{details['limit']:.2f}".replace(".", "," if lang == "da" else "."),
        }
    if kind == "performance":
        return _("Den aktive version er ikke bedre end et gæt på %(n)s kendte udfald.") % {
            "n": details.get("n")
        }
    return _("Det skønnede antal rigtige for de åbne forløb er faldet klart.")


def alerts_shown(data: CockpitData) -> list[dict]:
    """The standing alerts of the newest run, each with its text and what to do."""
    return [
        {
            **alert,
            "text": alert_text(alert),
            "advice": ALERT_ADVICE.get(alert["kind"], lambda: "")(),
            "first_raised_at": datetime.datetime.fromisoformat(alert["first_raised_at"]),
        }
        for alert in data.reports.get("alerts") or []
    ]
