"""Writes of the prediction engine."""

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from prediction.models import FeatureSpec, TrainingRecord
from prediction.specification import SpecificationError, specification_from_toml


@transaction.atomic
def feature_spec_register(*, source_toml: str, jobcenter_id: int | None = None) -> FeatureSpec:
    """Registers a specification, or returns the one already registered with the same
    name, version and text. A changed text under an existing version is refused: the data
    team must bump ``version`` so history stays interpretable. With ``jobcenter_id`` it
    is that jobcenter's own; without, national (any jobcenter may adopt it)."""
    specification = specification_from_toml(source_toml)
    digest = FeatureSpec.digest(source_toml)
    existing = FeatureSpec.objects.filter(
        jobcenter_id=jobcenter_id, name=specification.name, version=specification.version
    ).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise SpecificationError(
                [
                    f"version: specification {specification.name!r} version "
                    f"{specification.version} is already registered with different content; "
                    "bump version"
                ]
            )
        return existing
    return FeatureSpec.objects.create(
        jobcenter_id=jobcenter_id,
        name=specification.name,
        version=specification.version,
        title_da=specification.title_da,
        title_en=specification.title_en,
        source_toml=source_toml,
        sha256=digest,
        definition=specification.to_dict(),
    )


@dataclass(frozen=True)
class RecordIn:
    """One spell of history for the training store, already validated."""

    record_id: str
    as_of: datetime.date | None
    inputs: dict
    protected: dict
    outcome: bool

    def content_sha256(self) -> str:
        content = json.dumps(
            [
                self.as_of.isoformat() if self.as_of else None,
                self.inputs,
                self.protected,
                self.outcome,
            ],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(content.encode()).hexdigest()


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def training_records_upsert(
    *, specification: FeatureSpec, jobcenter_id: int, records: Iterable[RecordIn], source: str
) -> UpsertCounts:
    """Adds or updates a jobcenter's records by id in the caller's transaction; a record
    whose content is unchanged is left alone, so re-importing the same history changes
    nothing. Another jobcenter's records are never touched, even under the same id."""
    counts = UpsertCounts()
    existing = dict(
        TrainingRecord.objects.filter(
            specification=specification, jobcenter_id=jobcenter_id
        ).values_list("record_id", "content_sha256")
    )
    new, changed = [], {}
    for record in records:
        digest = record.content_sha256()
        fields = {
            "as_of": record.as_of,
            "inputs": record.inputs,
            "protected": record.protected,
            "outcome": record.outcome,
            "source": source,
            "content_sha256": digest,
        }
        known = existing.get(record.record_id)
        if known is None:
            new.append(
                TrainingRecord(
                    jobcenter_id=jobcenter_id,
                    specification=specification,
                    record_id=record.record_id,
                    **fields,
                )
            )
            existing[record.record_id] = digest
        elif known != digest:
            changed[record.record_id] = fields
        else:
            counts.unchanged += 1
    TrainingRecord.objects.bulk_create(new, batch_size=2_000)
    counts.created = len(new)
    if changed:
        rows = list(
            TrainingRecord.objects.filter(
                specification=specification, jobcenter_id=jobcenter_id, record_id__in=changed
            )
        )
        now = timezone.now()  # bulk_update skips auto_now
        for row in rows:
            for name, value in changed[row.record_id].items():
                setattr(row, name, value)
            row.updated_at = now
        TrainingRecord.objects.bulk_update(
            rows,
            ["as_of", "inputs", "protected", "outcome", "source", "content_sha256", "updated_at"],
            batch_size=2_000,
        )
        counts.updated = len(rows)
    return counts
