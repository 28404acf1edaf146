"""Checking raw records with the serializers, before anything is looked up: pure apart
from Django's translations. Duplicates within one batch are refused here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from casework.imports.reading import RECORD_TYPE, RawRecord, mask_text, mask_value
from casework.imports.serializers import (
    RECORD_TYPES,
    CitizenRecordSerializer,
    MeetingRecordSerializer,
    OutcomeRecordSerializer,
    SnapshotRecordSerializer,
    SpellRecordSerializer,
    record_type_normalise,
)
from prediction.importing import RowError
from prediction.specification import Specification

__all__ = ["ErrorList", "Validated", "records_validate", "serializers_for"]

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000


class ErrorList:
    """Problems in file order: the first ``limit`` in detail, all of them counted."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: list[RowError] = []
        self.count = 0

    def add(self, line: int, column: str, reason: str, value: Any = "") -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(
                RowError(line, column, mask_text(str(reason)), mask_value(value, column=column))
            )

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.count += 1
            if len(self.items) < self.limit:
                self.items.append(error)

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class Validated:
    """The records that passed, by type: ``(line, attrs)``; and the citizens and spells
    the batch's own records name, valid or not (a reference to a citizen or spell whose
    record failed is not reported a second time)."""

    by_type: dict[str, list[tuple[int, dict]]] = field(
        default_factory=lambda: {name: [] for name in RECORD_TYPES}
    )
    named_cprs: set[str] = field(default_factory=set)
    named_spells: set[str] = field(default_factory=set)


def serializers_for(
    specification: Specification, *, team_names: frozenset[str] | None = None
) -> dict[str, serializers.Serializer]:
    return {
        "citizen": CitizenRecordSerializer(),
        "spell": SpellRecordSerializer(team_names=team_names),
        "meeting": MeetingRecordSerializer(),
        "snapshot": SnapshotRecordSerializer(specification=specification),
        "outcome": OutcomeRecordSerializer(specification=specification),
    }


def _first_message(detail) -> str:
    while isinstance(detail, list | tuple) and detail:
        detail = detail[0]
    if isinstance(detail, dict):
        return _first_message(next(iter(detail.values()), ""))
    return str(detail)


def _key(record_type: str, attrs: dict):
    if record_type == "citizen":
        return attrs["cpr"].digits
    if record_type == "meeting":
        return (attrs["spell_id"], attrs["number"])
    return attrs["spell_id"]


_DUPLICATE = {
    "citizen": ("cpr", gettext_lazy("Borgeren (CPR-nummeret) står også i post %(line)s.")),
    "spell": ("spell_id", gettext_lazy("Forløbets id står også i post %(line)s.")),
    "meeting": ("number", gettext_lazy("Samtalen (forløb og nummer) står også i post %(line)s.")),
    "snapshot": (
        "spell_id",
        gettext_lazy("Der er også et vurderingsgrundlag for forløbet i post %(line)s."),
    ),
    "outcome": ("spell_id", gettext_lazy("Der er også et udfald for forløbet i post %(line)s.")),
}


def records_validate(
    *,
    records: list[RawRecord],
    specification: Specification,
    errors: ErrorList,
    progress: Progress | None = None,
    team_names: frozenset[str] | None = None,
) -> Validated:
    checkers = serializers_for(specification, team_names=team_names)
    result = Validated()
    seen: dict[str, dict[Any, int]] = {name: {} for name in RECORD_TYPES}
    total = len(records)
    for done, record in enumerate(records, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        data = record.data
        raw_type = data.get(RECORD_TYPE)
        record_type = record_type_normalise(raw_type)
        if record_type == "citizen" and "cpr" in data:
            result.named_cprs.add("".join(ch for ch in str(data["cpr"]) if ch.isdigit()))
        if record_type == "spell" and "spell_id" in data:
            result.named_spells.add(str(data["spell_id"]).strip())
        if record_type is None:
            errors.add(
                record.line,
                RECORD_TYPE,
                _("Angiv posttypen: citizen, spell, meeting, snapshot eller outcome.")
                if raw_type is None
                else _("Ukendt posttype. Brug citizen, spell, meeting, snapshot eller outcome."),
                raw_type or "",
            )
            continue
        try:
            attrs = checkers[record_type].run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, dict):
                for column, messages in detail.items():
                    column = "" if column == "non_field_errors" else str(column)
                    errors.add(record.line, column, _first_message(messages), data.get(column, ""))
            else:
                errors.add(record.line, "", _first_message(detail))
            continue
        key = _key(record_type, attrs)
        earlier = seen[record_type].get(key)
        if earlier is not None:
            column, message = _DUPLICATE[record_type]
            errors.add(record.line, column, str(message) % {"line": earlier}, data.get(column, ""))
            continue
        seen[record_type][key] = record.line
        result.by_type[record_type].append((record.line, attrs))
    if progress is not None:
        progress(total, total)
    return result
