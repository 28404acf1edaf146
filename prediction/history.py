"""Importing a history file into the training store: the service behind
``manage.py import_history`` (and a future import API).

One call, one transaction: register the specification (idempotent; a changed text under
the same version is refused), read and check the file, upsert its records by id and
record one ``data.import`` audit event. A file with any error imports nothing, registers
nothing and records no event: the caller gets the errors back. An import that changes
nothing (the same file again) still records its event: an import attempt is an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from prediction.importing import RowError, history_parse
from prediction.models import FeatureSpec, TrainingRecord
from prediction.services import RecordIn, feature_spec_register, training_records_upsert
from prediction.specification import specification_from_toml

__all__ = ["ImportReport", "history_import"]


@dataclass
class ImportReport:
    """What an import did, or why it did nothing (``errors``)."""

    specification_name: str
    specification_version: int
    file_name: str
    sha256: str
    rows: int
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # the first ones, in file order
    error_count: int = 0
    specification: FeatureSpec | None = None  # None when nothing was imported
    specification_registered: bool = False  # this import registered it
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    audit_event_id: int | None = None

    @property
    def imported(self) -> bool:
        return self.error_count == 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    @property
    def unreported_errors(self) -> int:
        return self.error_count - len(self.errors)


def history_import(
    *,
    source_toml: str,
    csv_file: IO[bytes] | IO[str],
    file_name: str,
    jobcenter_id: int,
    user: Any = None,
) -> ImportReport:
    """Imports ``csv_file`` (best opened in binary) described by the TOML text
    ``source_toml`` into the training store of the jobcenter ``jobcenter_id`` (its own
    history: no other jobcenter trains on it). A specification whose text is exactly a
    national one's adopts that one; any other is registered as the jobcenter's own.
    Raises ``SpecificationError`` (every problem, each with its key) for
    an invalid specification or a changed one under an existing version; returns a report
    with ``errors`` when the file has any, having changed nothing."""
    specification = specification_from_toml(source_toml)
    with transaction.atomic():
        national = FeatureSpec.objects.filter(
            jobcenter__isnull=True,
            name=specification.name,
            version=specification.version,
            sha256=FeatureSpec.digest(source_toml),
        ).first()
        registered_before = (
            national is not None
            or FeatureSpec.objects.filter(
                jobcenter_id=jobcenter_id, name=specification.name, version=specification.version
            ).exists()
        )
        feature_spec = national or feature_spec_register(
            source_toml=source_toml, jobcenter_id=jobcenter_id
        )
        parsed = history_parse(specification=specification, source=csv_file)
        report = ImportReport(
            specification_name=specification.name,
            specification_version=specification.version,
            file_name=file_name,
            sha256=parsed.sha256,
            rows=parsed.rows,
            ignored_columns=list(parsed.ignored_columns),
            errors=list(parsed.errors),
            error_count=parsed.error_count,
        )
        if not parsed.ok:
            # All or nothing: not even the specification's registration is kept.
            transaction.set_rollback(True)
            return report

        counts = training_records_upsert(
            specification=feature_spec,
            jobcenter_id=jobcenter_id,
            records=(
                RecordIn(r.record_id, r.as_of, r.inputs, r.protected, r.outcome)
                for r in parsed.records
            ),
            source=TrainingRecord.Source.IMPORT,
        )
        report.specification = feature_spec
        report.specification_registered = not registered_before
        report.created, report.updated, report.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
        event = audit_record(
            action=AuditAction.IMPORT,
            user=user,
            jobcenter_id=jobcenter_id,
            object_type="feature_spec",
            object_id=str(feature_spec.pk),
            details={
                "kind": "training_history",
                "specification": specification.name,
                "version": specification.version,
                "specification_registered": report.specification_registered,
                "file": file_name,
                "sha256": parsed.sha256,
                "rows": parsed.rows,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "ignored_columns": list(parsed.ignored_columns),
            },
        )
        report.audit_event_id = event.pk
    return report
