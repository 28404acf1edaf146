"""DRF serializers that check one import record of each type: the file import (page,
command, task) and the write API use the same ones, through ``records_validate``.

Each serializer is built once per batch and its ``run_validation`` called per record
(building a serializer per row would cost more than the checks themselves). Messages
are Danish through gettext (DRF's own are translated too)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from casework.cpr import InvalidCpr, cpr_parse
from casework.models import BenefitType
from prediction.specification import Feature, Specification, format_number

__all__ = [
    "RECORD_TYPES",
    "CitizenRecordSerializer",
    "MeetingRecordSerializer",
    "OutcomeRecordSerializer",
    "SnapshotRecordSerializer",
    "SpellRecordSerializer",
    "record_type_normalise",
]

DATE_FORMATS = ["iso-8601", "%d-%m-%Y"]
DATE_MESSAGES = {
    "invalid": gettext_lazy("Skriv datoen som ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ."),
    "datetime": gettext_lazy("Skriv en dato uden klokkeslæt."),
}

# The record types, in the order they are written, and the names a file may use.
RECORD_TYPES = ("citizen", "spell", "meeting", "snapshot", "outcome")
_ALIASES = {
    "citizen": "citizen",
    "citizens": "citizen",
    "borger": "citizen",
    "spell": "spell",
    "spells": "spell",
    "forløb": "spell",
    "ledighedsforløb": "spell",
    "meeting": "meeting",
    "meetings": "meeting",
    "samtale": "meeting",
    "snapshot": "snapshot",
    "snapshots": "snapshot",
    "vurderingsgrundlag": "snapshot",
    "outcome": "outcome",
    "outcomes": "outcome",
    "udfald": "outcome",
}


def record_type_normalise(raw: Any) -> str | None:
    return _ALIASES.get(str(raw or "").strip().casefold())


class CprField(serializers.Field):
    """A CPR number, with or without a hyphen: ten digits whose first six are a date.
    No modulus-11 check (numbers issued since 2007 need not pass it). The message never
    repeats the number."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            raise serializers.ValidationError(_("CPR-nummeret skal skrives som tekst."))
        try:
            return cpr_parse(str(data))
        except InvalidCpr:
            text = str(data).strip()
            if len(text.replace("-", "")) != 10 or not text.replace("-", "").isdigit():
                raise serializers.ValidationError(
                    _("Et CPR-nummer har 10 cifre, skrevet DDMMÅÅ-XXXX eller DDMMÅÅXXXX.")
                ) from None
            raise serializers.ValidationError(
                _("De første seks cifre i CPR-nummeret er ikke en gyldig dato.")
            ) from None

    def to_representation(self, value):
        return value.masked


def _date_field(**kwargs) -> serializers.DateField:
    return serializers.DateField(input_formats=DATE_FORMATS, error_messages=DATE_MESSAGES, **kwargs)


def _id_field() -> serializers.CharField:
    return serializers.CharField(max_length=64)


class _RecordSerializer(serializers.Serializer):
    """Unknown fields are errors (a misspelt field must not be silently dropped)."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields) - {"record_type"})
        errors = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail)
            value = None
        for name in unknown:
            errors[name] = [_("Feltet kendes ikke for denne slags post.")]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class CitizenRecordSerializer(_RecordSerializer):
    cpr = CprField()
    name = serializers.CharField(max_length=200)
    street_address = serializers.CharField(max_length=200, required=False, default="")
    postal_code = serializers.RegexField(
        r"^[0-9]{4}$",
        required=False,
        default="",
        error_messages={"invalid": gettext_lazy("Et postnummer har fire cifre.")},
    )
    citizenship = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        default="",
        error_messages={
            "invalid": gettext_lazy("Skriv statsborgerskabet som landekode med to bogstaver (DK).")
        },
    )

    def validate_citizenship(self, value: str) -> str:
        return value.upper()


class SpellRecordSerializer(_RecordSerializer):
    spell_id = _id_field()
    cpr = CprField()
    team = serializers.CharField(max_length=200)
    caseworker = serializers.CharField(max_length=150, required=False, default="")
    benefit_type = serializers.ChoiceField(
        choices=BenefitType.choices,
        error_messages={
            "invalid_choice": format_lazy(
                "{} {}.",
                gettext_lazy("»{input}« er ikke en ydelse, systemet kender. Brug en af:"),
                ", ".join(BenefitType.values),
            )
        },
    )
    start_date = _date_field()
    end_date = _date_field(required=False, default=None, allow_null=True)

    def __init__(self, *args, team_names: frozenset[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_names = team_names

    def validate_team(self, value: str) -> str:
        """Checked with the record's other fields, so a preview lists every problem of
        the row at once (the import checks again against what is stored)."""
        if self.team_names is not None and value not in self.team_names:
            raise serializers.ValidationError(_("Teamet findes ikke i jobcentret."))
        return value

    def validate(self, attrs):
        end = attrs.get("end_date")
        if end is not None and end < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": _("Slutdatoen ligger før startdatoen.")})
        return attrs


class MeetingRecordSerializer(_RecordSerializer):
    spell_id = _id_field()
    number = serializers.IntegerField(min_value=1, max_value=1000)
    held_on = _date_field()


class OutcomeRecordSerializer(_RecordSerializer):
    spell_id = _id_field()
    unemployed_12m = serializers.BooleanField()
    observed_on = _date_field()
    source = serializers.CharField(max_length=100, required=False, default="DREAM")

    def __init__(self, *args, specification: Specification, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unemployed_12m"] = OutcomeField(specification=specification)


class OutcomeField(serializers.Field):
    """The outcome as the specification spells it (1/0, ja/nej, ...)."""

    def __init__(self, *, specification: Specification, **kwargs):
        self.specification = specification
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        try:
            return self.specification.parse_outcome(data)
        except ValueError:
            allowed = ", ".join(
                [*self.specification.outcome_positive, *self.specification.outcome_negative]
            )
            raise serializers.ValidationError(
                _("Skriv om borgeren stadig var ledig efter 12 måneder som en af: %(allowed)s.")
                % {"allowed": allowed}
            ) from None

    def to_representation(self, value):
        return value


class FeatureField(serializers.Field):
    """One input or protected attribute, read as the specification describes it (a
    decimal comma is fine); a missing value is allowed (it blocks scoring if the input
    is required), an unknown category is refused."""

    def __init__(self, *, feature: Feature, **kwargs):
        self.feature = feature
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", None)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        feature = self.feature
        try:
            return feature.parse_value(data)
        except ValueError:
            pass
        if feature.type == "categorical":
            raise serializers.ValidationError(
                _("Værdien er ikke en af de kendte kategorier: %(values)s.")
                % {"values": ", ".join(feature.values)}
            )
        if feature.type == "boolean":
            raise serializers.ValidationError(
                _("Skriv ja eller nej (1/0, true/false, yes/no eller ja/nej).")
            )
        try:
            number = float(str(data).replace(",", ".").replace(" ", ""))
        except ValueError:
            raise serializers.ValidationError(_("Værdien er ikke et tal.")) from None
        if feature.min is not None and number < feature.min:
            raise serializers.ValidationError(
                _("Værdien er mindre end det mindste tilladte, %(min)s.")
                % {"min": format_number(feature.min)}
            )
        if feature.max is not None and number > feature.max:
            raise serializers.ValidationError(
                _("Værdien er større end det største tilladte, %(max)s.")
                % {"max": format_number(feature.max)}
            )
        raise serializers.ValidationError(_("Værdien er ikke et tal."))

    def to_representation(self, value):
        return value


class SnapshotRecordSerializer(_RecordSerializer):
    """The inputs as of the second meeting: one field per feature of the specification,
    named as the specification names it; ``source`` names where the values come from."""

    spell_id = _id_field()
    as_of = _date_field()
    source = serializers.CharField(max_length=100, required=False, default="Import")

    def __init__(self, *args, specification: Specification, **kwargs):
        super().__init__(*args, **kwargs)
        for feature in specification.features:
            if feature.name in self.fields:
                continue  # never shadows the record's own fields
            self.fields[feature.name] = FeatureField(feature=feature)
        self.feature_names = [f.name for f in specification.features]

    def validate(self, attrs):
        as_of: datetime.date = attrs["as_of"]
        values = {
            name: {"value": attrs.pop(name), "source": attrs["source"], "date": as_of.isoformat()}
            for name in self.feature_names
        }
        return {**attrs, "values": values}
