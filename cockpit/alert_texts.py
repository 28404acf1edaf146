"""The cockpit's alerts as a manager reads them: what the figures show, and what to do."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from cockpit.display import language
from cockpit.selectors import CockpitData

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
