"""Plain functions that turn stored values into what a page shows."""

from dataclasses import dataclass

from prediction.specification import Specification


@dataclass(frozen=True)
class InputRow:
    name: str
    label: str
    value: str
    source: str
    date: str
    missing: bool


def snapshot_input_rows(
    *, specification: Specification, values: dict, language: str
) -> list[InputRow]:
    """The model inputs of a snapshot in specification order, labelled in ``language``.
    Protected attributes are left out: they are never inputs."""
    rows = []
    for feature in specification.inputs:
        entry = values.get(feature.name) or {}
        value = entry.get("value")
        rows.append(
            InputRow(
                name=feature.name,
                label=feature.label(language),
                value="" if value is None else feature.value_label(value, language),
                source=entry.get("source", ""),
                date=entry.get("date", ""),
                missing=value is None,
            )
        )
    return rows
