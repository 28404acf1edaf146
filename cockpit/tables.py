"""The cockpit's tables and charts, built from :class:`~cockpit.selectors.CockpitData`.

Every figure the page, the CSV files and the PDF show comes from here, so a hidden cell
("<5") is hidden the same way everywhere. A table knows its chart (if it has one) and
the one-sentence finding that is the chart's text alternative.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from casework.models import BenefitType, JudgementReason
from cockpit.display import HIDDEN, Table, Value, month_label, number, percent
from cockpit.model_tables import (
    calibration_table_for,
    drift_table,
    fairness_tables,
    performance_table,
)
from cockpit.selectors import CockpitData
from jobcenter.charts import bar_chart_svg


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
