"""Building import files for the tests."""

import csv
import io

from django.conf import settings

from casework.imports.reading import import_file_read
from casework.imports.services import import_known_columns, records_import

COLUMNS = [
    "record_type",
    "cpr",
    "name",
    "street_address",
    "postal_code",
    "citizenship",
    "spell_id",
    "team",
    "caseworker",
    "benefit_type",
    "start_date",
    "end_date",
    "number",
    "held_on",
    "as_of",
    "source",
    "age",
    "education",
    "months_employed_3y",
    "spells_5y",
    "previous_industry",
    "cv_complete",
    "unemployed_12m",
    "observed_on",
]

CITIZEN = {
    "record_type": "citizen",
    "cpr": "0101801234",
    "name": "Karen Jensen",
    "postal_code": "7400",
    "citizenship": "DK",
}
SPELL = {
    "record_type": "spell",
    "spell_id": "F-1",
    "cpr": "010180-1234",
    "team": "Team A",
    "benefit_type": "dagpenge",
    "start_date": "03-08-2026",
}
MEETINGS = [
    {"record_type": "meeting", "spell_id": "F-1", "number": "1", "held_on": "2026-08-31"},
    {"record_type": "meeting", "spell_id": "F-1", "number": "2", "held_on": "28-09-2026"},
]
SNAPSHOT = {
    "record_type": "snapshot",
    "spell_id": "F-1",
    "as_of": "28-09-2026",
    "age": "46",
    "education": "vocational",
    "months_employed_3y": "20,5",
    "spells_5y": "2",
    "previous_industry": "retail",
    "cv_complete": "ja",
    "benefit_type": "dagpenge",
}
OUTCOME = {
    "record_type": "outcome",
    "spell_id": "F-1",
    "unemployed_12m": "nej",
    "observed_on": "2027-09-28",
}


def rows_default():
    return [dict(CITIZEN), dict(SPELL), *[dict(m) for m in MEETINGS], dict(SNAPSHOT), dict(OUTCOME)]


def csv_bytes(rows, *, delimiter=";", encoding="utf-8-sig", columns=COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def import_bytes(content: bytes, *, jobcenter, actor=None, dry_run=False, name="fil.csv"):
    read = import_file_read(
        content=content,
        file_name=name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        known_columns=import_known_columns(jobcenter_id=jobcenter.pk),
    )
    return records_import(
        jobcenter=jobcenter,
        actor=actor,
        records=read.records,
        read=read,
        source="test",
        file_name=name,
        dry_run=dry_run,
    )
