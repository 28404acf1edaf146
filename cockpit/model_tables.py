"""The cockpit's tables about the active model: calibration on known outcomes, the
estimated and realised performance, the gaps between groups, and drift. They read the
run's jobcenter-wide reports (``cockpit.reports``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cockpit.display import HIDDEN, Table, Value, interval_text, language, number, percent
from cockpit.selectors import CockpitData
from jobcenter.charts import calibration_chart_svg


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
