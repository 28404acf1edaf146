"""The import's one write, ``records_import``, and the import page's uploads.

``records_import`` takes raw records (from a file, or from the API's request body),
checks them with the serializers, looks up what they refer to (citizens by CPR number
within the jobcenter, spells by the case system's id, meetings by spell and number,
snapshots and outcomes by spell), compares each with what is stored, and writes what
is new or changed: all in one transaction with one ``data.import`` audit event that
holds counts, never a CPR number. A batch with any problem writes nothing. The same
batch again changes nothing (every record is counted unchanged).

A snapshot is never updated in place (``AssessmentSnapshot``): a changed one is written
as a correction of the current one, and counted as updated.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.actions import AuditAction
from audit.services import audit_record
from casework.cpr import Cpr, cpr_encrypt, cpr_hash, cpr_hashes, cpr_keyset_id
from casework.imports.reading import ImportRefused, RawRecord, ReadResult
from casework.imports.serializers import RECORD_TYPES
from casework.imports.validation import ErrorList, Progress, Validated, records_validate
from casework.models import AssessmentSnapshot, Citizen, Meeting, Outcome, Spell
from casework.permissions import citizen_team_access_bulk_grant, citizen_team_access_revoke
from jobcenter.models import Jobcenter, Team, User
from prediction.importing import RowError
from prediction.models import FeatureSpec
from prediction.selectors import model_versions_active

__all__ = ["ImportReport", "TypeCounts", "import_specification", "records_import"]

logger = logging.getLogger(__name__)
_CHUNK = 5000
BATCH_SIZE = 2000


@dataclass
class TypeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did or would do (``dry_run``), or why it did nothing (``errors``)."""

    source: str
    dry_run: bool = False
    kind: str = ""
    file_name: str = ""
    sha256: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    counts: dict[str, TypeCounts] = field(
        default_factory=lambda: {name: TypeCounts() for name in RECORD_TYPES}
    )
    specification: str = ""
    audit_event_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def unreported_errors(self) -> int:
        return self.error_count - len(self.errors)

    def total(self, what: str) -> int:
        return sum(getattr(counts, what) for counts in self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [asdict(error) for error in self.errors]
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data.pop("ok", None)
        data["errors"] = [RowError(**error) for error in data.get("errors", [])]
        data["counts"] = {name: TypeCounts(**c) for name, c in data.get("counts", {}).items()}
        return cls(**data)


def import_specification(*, jobcenter_id: int | None) -> FeatureSpec | None:
    """The specification the jobcenter's snapshots are checked against: its active
    model's (the first by name when several are active), else the newest it may use
    (its own or a national one; never another jobcenter's)."""
    active = model_versions_active(jobcenter_id=jobcenter_id).first()
    if active is not None:
        return active.specification
    usable = FeatureSpec.objects.filter(Q(jobcenter__isnull=True) | Q(jobcenter_id=jobcenter_id))
    return usable.order_by("-created_at", "-pk").first()


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _report_from_read(read: ReadResult | None, report: ImportReport) -> None:
    if read is None:
        return
    report.kind = read.kind
    report.sha256 = read.sha256
    report.encoding = read.encoding
    report.delimiter = read.delimiter
    report.rows = read.rows
    report.ignored_columns = list(read.ignored_columns)


def records_import(
    *,
    jobcenter: Jobcenter,
    actor: User | None,
    records: list[RawRecord],
    source: str,
    dry_run: bool = False,
    read: ReadResult | None = None,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Checks ``records`` and, unless ``dry_run`` or any record has a problem, writes
    them (see the module). ``read`` carries what reading the file found (its own
    problems count as the batch's). Returns the report; raises ``ImportRefused`` when
    there is no feature specification to check snapshots and outcomes against."""
    report = ImportReport(source=source, dry_run=dry_run, file_name=file_name)
    _report_from_read(read, report)
    if read is None:
        report.rows = len(records)
    errors = ErrorList(settings.IMPORT_MAX_REPORTED_ERRORS)
    if read is not None:
        errors.extend(read.errors)
    feature_spec = import_specification(jobcenter_id=jobcenter.pk)
    if feature_spec is None:
        raise ImportRefused(
            _(
                "Der er ingen featurespecifikation registreret; vurderingsgrundlag og udfald "
                "kan ikke kontrolleres. Bed analytikerne registrere en."
            )
        )
    report.specification = str(feature_spec)
    validated = records_validate(
        records=records,
        specification=feature_spec.specification,
        errors=errors,
        progress=progress,
        team_names=frozenset(
            Team.objects.filter(jobcenter=jobcenter).values_list("name", flat=True)
        ),
    )
    with transaction.atomic():
        plan = _Plan(jobcenter=jobcenter, feature_spec=feature_spec, errors=errors)
        plan.build(validated)
        report.errors, report.error_count = errors.items, errors.count
        report.counts = plan.counts
        if errors or dry_run:
            return report
        plan.write()
        event = audit_record(
            action=AuditAction.IMPORT,
            user=actor,
            jobcenter_id=jobcenter.pk,
            object_type="jobcenter",
            object_id=str(jobcenter.pk),
            details={
                "kind": "casework_records",
                "source": source,
                "file": file_name,
                "sha256": report.sha256,
                "records": len(records),
                "specification": report.specification,
                "counts": {name: asdict(counts) for name, counts in plan.counts.items()},
            },
        )
        report.audit_event_id = event.pk
    return report


# -- Looking up, comparing and writing --------------------------------------------------


class _Plan:
    """What a batch changes: built from the validated records and what is stored."""

    def __init__(self, *, jobcenter: Jobcenter, feature_spec: FeatureSpec, errors: ErrorList):
        self.jobcenter = jobcenter
        self.feature_spec = feature_spec
        self.errors = errors
        self.counts = {name: TypeCounts() for name in RECORD_TYPES}
        self.create: dict[str, list] = {name: [] for name in RECORD_TYPES}
        self.update: dict[str, list] = {name: [] for name in RECORD_TYPES}
        self.citizens: dict[str, Citizen] = {}  # CPR digits -> citizen
        self.spells: dict[str, Spell] = {}  # external id -> spell
        self.grants: list[tuple[str, int]] = []
        self.moved: list[tuple[Citizen, int]] = []  # (citizen, the team a spell left)

    def _count(self, record_type: str, what: str) -> None:
        counts = self.counts[record_type]
        setattr(counts, what, getattr(counts, what) + 1)

    def build(self, validated: Validated) -> None:
        by_type = validated.by_type
        self._citizens(by_type["citizen"], by_type["spell"])
        self._spells(by_type["spell"], validated, by_type)
        self._meetings(by_type["meeting"], validated)
        self._snapshots(by_type["snapshot"], validated)
        self._outcomes(by_type["outcome"], validated)

    # Citizens, by CPR number within the jobcenter (under every hash key in use).
    def _citizens(self, rows, spell_rows) -> None:
        wanted: dict[str, Cpr] = {attrs["cpr"].digits: attrs["cpr"] for _l, attrs in rows}
        for _line, attrs in spell_rows:
            wanted.setdefault(attrs["cpr"].digits, attrs["cpr"])
        hashes = {digits: cpr_hashes(cpr) for digits, cpr in wanted.items()}
        by_hash: dict[str, Citizen] = {}
        all_hashes = [h for values in hashes.values() for h in values]
        for chunk in _chunks(all_hashes):
            for citizen in Citizen.objects.filter(jobcenter=self.jobcenter, cpr_hash__in=chunk):
                by_hash[citizen.cpr_hash] = citizen
        for digits, values in hashes.items():
            found = next((by_hash[h] for h in values if h in by_hash), None)
            if found is not None:
                self.citizens[digits] = found
        keyset = cpr_keyset_id()
        for _line, attrs in rows:
            cpr: Cpr = attrs["cpr"]
            fields = {
                "name": attrs["name"],
                "street_address": attrs["street_address"],
                "postal_code": attrs["postal_code"],
                "citizenship": attrs["citizenship"],
            }
            existing = self.citizens.get(cpr.digits)
            if existing is None:
                citizen = Citizen(
                    id=uuid.uuid4(),
                    jobcenter=self.jobcenter,
                    cpr_encrypted=cpr_encrypt(cpr),
                    cpr_hash=cpr_hash(cpr),
                    cpr_keyset=keyset,
                    birth_date=cpr.birth_date,
                    gender=cpr.gender,
                    **fields,
                )
                self.citizens[cpr.digits] = citizen
                self.create["citizen"].append(citizen)
                self._count("citizen", "created")
            elif any(getattr(existing, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(existing, name, value)
                self.update["citizen"].append(existing)
                self._count("citizen", "updated")
            else:
                self._count("citizen", "unchanged")

    def _stored_spells(self, external_ids: set[str]) -> None:
        missing = sorted(i for i in external_ids if i not in self.spells)
        for chunk in _chunks(missing):
            for spell in Spell.objects.filter(jobcenter=self.jobcenter, external_id__in=chunk):
                self.spells[spell.external_id] = spell

    def _spells(self, rows, validated: Validated, by_type) -> None:
        referenced = {attrs["spell_id"] for _l, attrs in rows}
        for name in ("meeting", "snapshot", "outcome"):
            referenced.update(attrs["spell_id"] for _l, attrs in by_type[name])
        self._stored_spells(referenced)
        teams = {t.name: t for t in Team.objects.filter(jobcenter=self.jobcenter)}
        usernames = sorted({attrs["caseworker"] for _l, attrs in rows if attrs["caseworker"]})
        users = {}
        for chunk in _chunks(usernames):
            for user in User.objects.filter(jobcenter=self.jobcenter, username__in=chunk):
                users[user.username] = user
        for line, attrs in rows:
            cpr: Cpr = attrs["cpr"]
            citizen = self.citizens.get(cpr.digits)
            problem = False
            if citizen is None:
                problem = True
                if cpr.digits in validated.named_cprs:
                    continue  # its own record failed, and says why
                self.errors.add(
                    line,
                    "cpr",
                    _("Der er ingen borger med dette CPR-nummer i jobcentret eller i filen."),
                    cpr.digits,
                )
            team = teams.get(attrs["team"])
            if team is None:
                problem = True
                self.errors.add(line, "team", _("Teamet findes ikke i jobcentret."), attrs["team"])
            caseworker = None
            if attrs["caseworker"]:
                caseworker = users.get(attrs["caseworker"])
                if caseworker is None:
                    problem = True
                    self.errors.add(
                        line,
                        "caseworker",
                        _("Der er ingen medarbejder med dette brugernavn i jobcentret."),
                        attrs["caseworker"],
                    )
            if problem:
                continue
            fields = {
                "team_id": team.pk,
                "caseworker_id": caseworker.pk if caseworker else None,
                "benefit_type": attrs["benefit_type"],
                "start_date": attrs["start_date"],
                "end_date": attrs["end_date"],
            }
            existing = self.spells.get(attrs["spell_id"])
            if existing is None:
                spell = Spell(
                    id=uuid.uuid4(),
                    external_id=attrs["spell_id"],
                    jobcenter=self.jobcenter,
                    citizen=citizen,
                    **fields,
                )
                self.spells[spell.external_id] = spell
                self.create["spell"].append(spell)
                self._count("spell", "created")
            elif existing.citizen_id != citizen.pk:
                self.errors.add(
                    line,
                    "cpr",
                    _("Forløbet hører til en anden borger; det kan ikke flyttes ved import."),
                    cpr.digits,
                )
                continue
            elif any(getattr(existing, name) != value for name, value in fields.items()):
                if existing.team_id != team.pk:
                    self.moved.append((citizen, existing.team_id))
                for name, value in fields.items():
                    setattr(existing, name, value)
                spell = existing
                self.update["spell"].append(existing)
                self._count("spell", "updated")
            else:
                self._count("spell", "unchanged")
                continue
            if spell.end_date is None:
                self.grants.append((str(citizen.pk), team.group_id))

    def _spell_for(self, line: int, attrs: dict, validated: Validated) -> Spell | None:
        spell = self.spells.get(attrs["spell_id"])
        if spell is None and attrs["spell_id"] not in validated.named_spells:
            self.errors.add(
                line,
                "spell_id",
                _("Der er intet forløb med dette id i jobcentret eller i filen."),
                attrs["spell_id"],
            )
        return spell

    def _stored_by_spell(self, model, rows) -> dict:
        ids = sorted({s.pk for s in (self.spells.get(a["spell_id"]) for _l, a in rows) if s})
        found: dict = {}
        for chunk in _chunks(ids):
            query = model.objects.filter(spell_id__in=chunk)
            if model is AssessmentSnapshot:
                query = query.order_by("spell_id", "created_at", "pk")
            for row in query:
                if model is Meeting:
                    found[(row.spell_id, row.number)] = row
                else:
                    found[row.spell_id] = row  # snapshots: the newest wins
        return found

    def _meetings(self, rows, validated: Validated) -> None:
        stored = self._stored_by_spell(Meeting, rows)
        for line, attrs in rows:
            spell = self._spell_for(line, attrs, validated)
            if spell is None:
                continue
            existing = stored.get((spell.pk, attrs["number"]))
            if existing is None:
                self.create["meeting"].append(
                    Meeting(spell=spell, number=attrs["number"], held_on=attrs["held_on"])
                )
                self._count("meeting", "created")
            elif existing.held_on != attrs["held_on"]:
                existing.held_on = attrs["held_on"]
                self.update["meeting"].append(existing)
                self._count("meeting", "updated")
            else:
                self._count("meeting", "unchanged")

    def _snapshots(self, rows, validated: Validated) -> None:
        stored = self._stored_by_spell(AssessmentSnapshot, rows)
        for line, attrs in rows:
            spell = self._spell_for(line, attrs, validated)
            if spell is None:
                continue
            current = stored.get(spell.pk)
            if (
                current is not None
                and current.specification_id == self.feature_spec.pk
                and current.as_of == attrs["as_of"]
                and current.values == attrs["values"]
            ):
                self._count("snapshot", "unchanged")
                continue
            snapshot = AssessmentSnapshot(
                spell=spell,
                specification=self.feature_spec,
                as_of=attrs["as_of"],
                values=attrs["values"],
                corrects=current,
                correction_reason=(
                    _("Rettet ved import fra sagssystemet (%(source)s).")
                    % {"source": attrs["source"]}
                    if current is not None
                    else ""
                ),
            )
            self.create["snapshot"].append(snapshot)
            self._count("snapshot", "updated" if current is not None else "created")

    def _outcomes(self, rows, validated: Validated) -> None:
        stored = self._stored_by_spell(Outcome, rows)
        for line, attrs in rows:
            spell = self._spell_for(line, attrs, validated)
            if spell is None:
                continue
            fields = {
                "unemployed_12m": attrs["unemployed_12m"],
                "observed_on": attrs["observed_on"],
                "source": attrs["source"],
            }
            existing = stored.get(spell.pk)
            if existing is None:
                self.create["outcome"].append(Outcome(spell=spell, **fields))
                self._count("outcome", "created")
            elif any(getattr(existing, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(existing, name, value)
                self.update["outcome"].append(existing)
                self._count("outcome", "updated")
            else:
                self._count("outcome", "unchanged")

    def write(self) -> None:
        create, update = self.create, self.update
        Citizen.objects.bulk_create(create["citizen"], batch_size=BATCH_SIZE)
        Citizen.objects.bulk_update(
            update["citizen"],
            ["name", "street_address", "postal_code", "citizenship"],
            batch_size=BATCH_SIZE,
        )
        Spell.objects.bulk_create(create["spell"], batch_size=BATCH_SIZE)
        Spell.objects.bulk_update(
            update["spell"],
            ["team_id", "caseworker_id", "benefit_type", "start_date", "end_date"],
            batch_size=BATCH_SIZE,
        )
        Meeting.objects.bulk_create(create["meeting"], batch_size=BATCH_SIZE)
        Meeting.objects.bulk_update(update["meeting"], ["held_on"], batch_size=BATCH_SIZE)
        # Originals first, then corrections of what is stored (never of each other).
        AssessmentSnapshot.objects.bulk_create(create["snapshot"], batch_size=BATCH_SIZE)
        Outcome.objects.bulk_create(create["outcome"], batch_size=BATCH_SIZE)
        Outcome.objects.bulk_update(
            update["outcome"], ["unemployed_12m", "observed_on", "source"], batch_size=BATCH_SIZE
        )
        if self.grants:
            citizen_team_access_bulk_grant(pairs=self.grants)
        # A team whose spell moved to another team loses the citizen, unless it still
        # holds another open spell of theirs.
        for citizen, team_id in self.moved:
            if not Spell.objects.filter(
                citizen=citizen, team_id=team_id, end_date__isnull=True
            ).exists():
                citizen_team_access_revoke(citizen=citizen, team=Team.objects.get(pk=team_id))


RECORD_COLUMNS = frozenset(
    {
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
        "unemployed_12m",
        "observed_on",
    }
)


def import_known_columns(*, jobcenter_id: int | None) -> frozenset[str]:
    """The columns an import file for the jobcenter may have: the records' own and its
    specification's features (read once per file)."""
    feature_spec = import_specification(jobcenter_id=jobcenter_id)
    features = (
        {f.name for f in feature_spec.specification.features} if feature_spec is not None else set()
    )
    return RECORD_COLUMNS | features
