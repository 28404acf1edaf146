"""The subject access export as the citizen reads it (the PDF): plain headings, values
with their labels, local dates in words, no internal ids or codes. Pure functions on
the JSON-ready data of ``dpo.subject_access`` (which keeps the machine form) and the
casework models' own field names; no database access."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dpo.display import local_date_text, local_datetime_text
from prediction.models import ModelStatus

# Never shown to the citizen: keys, hashes and links between records.
_HIDDEN = {"id", "jobcenter", "citizen", "external_id"}
_HIDDEN_PARTS = ("hash", "_id", "sha256")


_FIELD_LABELS = {
    "created_at": gettext_lazy("Registreret"),
    "updated_at": gettext_lazy("Ændret"),
    "supersedes": gettext_lazy("Erstatter en tidligere vurdering"),
    "caseworker": gettext_lazy("Sagsbehandler"),
    "recorded_by": gettext_lazy("Registreret af"),
    "granted_by": gettext_lazy("Givet af"),
    "reviewed_by": gettext_lazy("Gennemgået af"),
    "user": gettext_lazy("Medarbejder"),
}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass
class Section:
    title: str
    entries: list[list[Fact]] = field(default_factory=list)


def yes_no(value: bool) -> str:
    return _("ja") if value else _("nej")


def percent(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(value * 100)} %"


def _staff_text(value: dict) -> str:
    if value.get("name"):
        return f"{value['name']} ({value['role']})"
    return value.get("role", "")


def _value_text(model_field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict) and "role" in value:
        return _staff_text(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(model_field, models.DateTimeField):
        return local_datetime_text(value)
    if isinstance(model_field, models.DateField):
        return local_date_text(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value if item not in (None, ""))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items() if item not in (None, ""))
    return str(value)


def record_facts(model_name: str, row: dict[str, Any]) -> list[Fact]:
    """One casework record as labelled values: the model's own field names, a choice's
    label instead of its code, a member of staff as their role (and name), dates in
    words; ids, hashes and links to other records left out."""
    try:
        model = apps.get_model("casework", model_name)
    except LookupError:
        model = None
    facts = []
    for name, value in row.items():
        if name.endswith("_label") or name in _HIDDEN or any(p in name for p in _HIDDEN_PARTS):
            continue
        model_field = None
        if model is not None:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
        if model_field is not None and model_field.is_relation and not isinstance(value, dict):
            continue  # a link to another record: its id means nothing to the citizen
        if f"{name}_label" in row:
            value = row[f"{name}_label"]
        text = _value_text(model_field, value)
        if not text:
            continue
        label = str(model_field.verbose_name) if model_field is not None else name
        if label == name.replace("_", " "):  # no verbose name of its own
            label = str(_FIELD_LABELS.get(name, label))
        facts.append(Fact(label=label[:1].upper() + label[1:], value=text))
    return facts


def _status_label(status: str) -> str:
    try:
        return str(ModelStatus(status).label)
    except ValueError:
        return status


def estimate_facts(estimate: dict[str, Any]) -> list[Fact]:
    version = estimate["model_version"]
    facts = [Fact(_("Beregnet"), local_datetime_text(estimate["computed_at"]))]
    if estimate["probability"] is not None:
        facts.append(
            Fact(
                _("Sandsynlighed for stadig at være ledig efter 12 måneder"),
                percent(estimate["probability"]),
            )
        )
        facts.append(Fact(_("Risikogruppe"), estimate["band_label"]))
    else:
        facts.append(Fact(_("Estimat"), _("Ikke beregnet: der manglede oplysninger")))
    facts.append(
        Fact(
            _("Værktøjets version"),
            _("version %(number)s (%(status)s)")
            % {"number": version["number"], "status": _status_label(version["status"])},
        )
    )
    return facts


def spell_facts(spell: dict[str, Any]) -> list[Fact]:
    facts = [
        Fact(_("Ydelse"), spell["benefit_type_label"]),
        Fact(_("Begyndt"), local_date_text(spell["start_date"])),
        Fact(_("Afsluttet"), local_date_text(spell["end_date"]) or _("i gang")),
        Fact(_("Team"), spell["team"]),
    ]
    if spell["caseworker"]:
        facts.append(Fact(_("Sagsbehandler"), spell["caseworker"]))
    meetings = "; ".join(
        _("%(number)s. samtale %(date)s")
        % {"number": meeting["number"], "date": local_date_text(meeting["held_on"])}
        for meeting in spell["meetings"]
    )
    facts.append(Fact(_("Samtaler"), meetings or "–"))
    outcome = spell["outcome"]
    if outcome is not None:
        facts.append(
            Fact(
                _("Stadig ledig efter 12 måneder"),
                _("%(answer)s (opgjort %(date)s)")
                % {
                    "answer": yes_no(outcome["unemployed_12m"]),
                    "date": local_date_text(outcome["observed_on"]),
                },
            )
        )
    return facts


def snapshot_rows(snapshot: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "label": value["label"],
            "value": value["value_label"] or "–",
            "source": value["source"] or "–",
            "date": local_date_text(value["date"]) or "–",
            "protected": value["protected"],
        }
        for value in snapshot["values"]
    ]


def citizen_facts(citizen: dict[str, Any]) -> list[Fact]:
    return [
        Fact(_("Navn"), citizen["name"]),
        Fact(_("CPR-nummer"), citizen["cpr"]),
        Fact(_("Fødselsdato"), local_date_text(citizen["birth_date"])),
        Fact(_("Køn"), citizen["gender_label"]),
        Fact(_("Adresse"), citizen.get("street_address") or "–"),
        Fact(_("Postnummer"), citizen["postal_code"] or "–"),
        Fact(_("Statsborgerskab"), citizen["citizenship"] or "–"),
        Fact(_("Registreret i systemet"), local_datetime_text(citizen["registered_at"])),
    ]


def record_sections(records: dict[str, dict]) -> list[Section]:
    sections = []
    for name, section in records.items():
        title = str(section["title"])
        sections.append(
            Section(
                title=title[:1].upper() + title[1:],
                entries=[record_facts(name, row) for row in section["rows"]],
            )
        )
    return sections


def subject_access_document(data: dict[str, Any]) -> dict[str, Any]:
    """What the PDF shows, in the order it shows it."""
    return {
        "controller": data["controller"],
        "generated_at": local_datetime_text(data["generated_at"]),
        "citizen": citizen_facts(data["citizen"]),
        "spells": [
            {
                "title": _("%(benefit)s fra %(start)s")
                % {
                    "benefit": spell["benefit_type_label"],
                    "start": local_date_text(spell["start_date"]),
                },
                "facts": spell_facts(spell),
                "snapshots": [
                    {
                        "as_of": local_date_text(snapshot["as_of"]),
                        "correction_reason": snapshot["correction_reason"]
                        if snapshot["corrects"]
                        else "",
                        "rows": snapshot_rows(snapshot),
                    }
                    for snapshot in spell["snapshots"]
                ],
                "estimates": [
                    {
                        "facts": estimate_facts(estimate),
                        "rules": estimate["rules"] or [],
                    }
                    for estimate in spell["estimates"]
                ],
            }
            for spell in data["spells"]
        ],
        "records": record_sections(data["records"]),
    }
