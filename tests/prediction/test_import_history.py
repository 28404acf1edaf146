"""Importing history files: ``manage.py import_history``, the ``history_import`` service
and the pure parser behind them (``prediction.importing``)."""

import datetime
import hashlib
import io
import pathlib

import pytest
from django.core.management import CommandError, call_command

from audit.actions import AuditAction
from audit.models import AuditEvent
from prediction.history import history_import
from prediction.importing import CPR_REASON, MAX_REPORTED_ERRORS, history_parse
from prediction.models import FeatureSpec, TrainingRecord
from prediction.specification import (
    DEFAULT_SPECIFICATION_PATH,
    SpecificationError,
    default_specification,
    specification_from_file,
)
from tests.factories import default_jobcenter

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
SPECS = HERE / "specs"
DEFAULT_SPEC = DEFAULT_SPECIFICATION_PATH
SMALL_SPEC = SPECS / "small.toml"
GOOD = DATA / "default_history.csv"
BAD = DATA / "default_history_bad.csv"
EXCEL = DATA / "default_history_excel.csv"
SMALL = DATA / "small_history.csv"

DEFAULT_HEADER = (
    "spell_id,meeting2_date,age,education,months_employed_3y,spells_5y,previous_industry,"
    "benefit_type,cv_complete,job_search_activity,availability,driving_licence,gender,origin,"
    "postal_code,unemployed_12m"
)
IGNORED = "ignored columns: municipality, caseworker_note"


def default_row(i: int, **changes) -> str:
    """One valid data row for the default specification (``DEFAULT_HEADER``)."""
    cells = {
        "spell_id": f"G{i}",
        "meeting2_date": (
            datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 1500)
        ).isoformat(),
        "age": str(18 + i % 49),
        "education": ("primary", "vocational", "master")[i % 3],
        "months_employed_3y": str(i % 37),
        "spells_5y": str(i % 5),
        "previous_industry": "retail",
        "benefit_type": "dagpenge",
        "cv_complete": ("1", "0", "")[i % 3],
        "job_search_activity": str(i % 30),
        "availability": "full_time",
        "driving_licence": "1",
        "gender": ("female", "male")[i % 2],
        "origin": "danish",
        "postal_code": "7400",
        "unemployed_12m": str(i % 2),
    }
    cells.update(changes)
    return ",".join(cells[name] for name in DEFAULT_HEADER.split(","))


@pytest.fixture(autouse=True)
def _jobcenter(request):
    """The deployment's one jobcenter, whose history the command imports."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("jobcenter")


def write(path: pathlib.Path, lines: list[str], *, encoding: str = "utf-8") -> pathlib.Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def run(spec: pathlib.Path, csv_path: pathlib.Path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_history", "--spec", str(spec), str(csv_path), *extra, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def run_refused(spec: pathlib.Path, csv_path: pathlib.Path) -> tuple[str, str, str]:
    """(CommandError message, stdout, stderr) of an import that must fail."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_history", "--spec", str(spec), str(csv_path), stdout=out, stderr=err)
    return str(excinfo.value), out.getvalue(), err.getvalue()


def import_events():
    return AuditEvent.objects.filter(action=AuditAction.IMPORT).order_by("sequence")


def snapshot(spec_version: int = 1) -> dict:
    return {
        r.record_id: (r.updated_at, r.content_sha256, r.inputs, r.outcome)
        for r in TrainingRecord.objects.filter(specification__version=spec_version)
    }


# -- The command ----------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_imports_every_record_with_its_parsed_values():
    out, err = run(DEFAULT_SPEC, GOOD)

    assert out.splitlines() == [
        "Registered specification default v1.",
        f"Imported default_history.csv for default v1: 30 new, 0 updated, 0 unchanged; {IGNORED}",
        "The import is recorded in the audit log.",
    ]
    assert err == ""
    spec = FeatureSpec.objects.get()
    assert (spec.name, spec.version) == ("default", 1)
    assert TrainingRecord.objects.filter(specification=spec).count() == 30

    first = TrainingRecord.objects.get(record_id="S-0001")
    assert first.source == TrainingRecord.Source.IMPORT
    assert first.as_of == datetime.date(2021, 1, 15)
    assert first.inputs == {
        "age": 27.0,
        "education": "short_higher",
        "months_employed_3y": 3.0,
        "spells_5y": 0.0,
        "previous_industry": "it_communication",
        "benefit_type": "dagpenge",
        "cv_complete": False,
        "job_search_activity": 23.0,
        "availability": "full_time",
        "driving_licence": True,
    }
    assert first.protected == {"gender": "female", "origin": "danish", "postal_code": "6973"}
    assert first.outcome is False
    assert TrainingRecord.objects.get(record_id="S-0002").outcome is True
    # Empty cells of optional features are missing values, not errors.
    assert TrainingRecord.objects.get(record_id="S-0003").protected["gender"] is None
    assert TrainingRecord.objects.filter(inputs__cv_complete=None).exists()

    (event,) = import_events()
    assert event.object_type == "feature_spec"
    assert event.object_id == str(spec.pk)
    assert event.details["specification"] == "default"
    assert event.details["version"] == 1
    assert event.details["file"] == "default_history.csv"
    assert event.details["sha256"] == hashlib.sha256(GOOD.read_bytes()).hexdigest()
    assert (event.details["created"], event.details["updated"], event.details["unchanged"]) == (
        30,
        0,
        0,
    )
    assert event.details["ignored_columns"] == ["municipality", "caseworker_note"]


@pytest.mark.django_db
def test_a_second_specification_with_other_inputs_imports_its_own_columns():
    out, _ = run(SMALL_SPEC, SMALL)

    assert out.splitlines()[:2] == [
        "Registered specification small-test_2 v3.",
        "Imported small_history.csv for small-test_2 v3: 15 new, 0 updated, 0 unchanged",
    ]
    spec = FeatureSpec.objects.get(name="small-test_2", version=3)
    records = {r.record_id: r for r in TrainingRecord.objects.filter(specification=spec)}
    assert len(records) == 15
    assert records["K001"].as_of is None  # this specification has no as_of column
    assert records["K001"].inputs == {"age": 21.0, "sector": "public", "has_car": True}
    assert records["K001"].protected == {"sex": "F"}
    assert records["K001"].outcome is False  # "0" is one of the default negatives
    # "Private" is read as the specification's spelling; an empty has_car is missing.
    sectors = {r.inputs["sector"] for r in records.values()}
    assert sectors <= {"public", "private", "self_employed"}
    assert "private" in sectors
    assert any(r.inputs["has_car"] is None for r in records.values())
    assert {r.outcome for r in records.values()} == {True, False}


@pytest.mark.django_db
def test_the_same_file_again_changes_nothing_but_is_still_audited():
    run(DEFAULT_SPEC, GOOD)
    before = snapshot()

    out, _ = run(DEFAULT_SPEC, GOOD)

    assert out.splitlines() == [
        f"Imported default_history.csv for default v1: 0 new, 0 updated, 30 unchanged; {IGNORED}",
        "Nothing changed in the training store; the import is recorded in the audit log.",
    ]
    assert snapshot() == before  # updated_at, content and values untouched
    assert FeatureSpec.objects.count() == 1
    first, second = import_events()
    assert first.details["sha256"] == second.details["sha256"]
    assert (second.details["created"], second.details["updated"]) == (0, 0)
    assert second.details["unchanged"] == 30
    assert second.details["specification_registered"] is False


@pytest.mark.django_db
def test_a_changed_row_updates_exactly_that_record(tmp_path):
    run(DEFAULT_SPEC, GOOD)
    before = snapshot()
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    changed = lines[5].split(",")  # S-0005
    assert changed[0] == "S-0005"
    changed[3] = "61"  # age
    lines[5] = ",".join(changed)
    modified = write(tmp_path / "default_history.csv", lines)

    out, _ = run(DEFAULT_SPEC, modified)

    assert out.splitlines()[0] == (
        f"Imported default_history.csv for default v1: 0 new, 1 updated, 29 unchanged; {IGNORED}"
    )
    after = snapshot()
    assert after.keys() == before.keys()
    assert [key for key in after if after[key] != before[key]] == ["S-0005"]
    assert after["S-0005"][2]["age"] == 61.0
    assert after["S-0005"][1] != before["S-0005"][1]


@pytest.mark.django_db
def test_a_changed_record_gets_a_new_updated_at(tmp_path):
    run(DEFAULT_SPEC, GOOD)
    before = TrainingRecord.objects.get(record_id="S-0005").updated_at
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",Herning,33,", ",Herning,61,")
    run(DEFAULT_SPEC, write(tmp_path / "default_history.csv", lines))

    record = TrainingRecord.objects.get(record_id="S-0005")
    assert record.inputs["age"] == 61.0
    assert record.updated_at > before


@pytest.mark.django_db
def test_a_file_with_bad_rows_reports_each_and_imports_nothing():
    message, out, err = run_refused(DEFAULT_SPEC, BAD)

    assert err.splitlines() == [
        "line 3, column age: 'abc' is not a number",
        "line 4, column education: 'phd' is not one of: primary, upper_secondary, vocational, "
        "short_higher, bachelor, master",
        "line 5, column meeting2_date: '2023-02-30' is not a valid date",
        "line 6, column unemployed_12m: 'maybe' is not an allowed outcome value; use one of: "
        "1, yes, ja, true (positive) or 0, no, nej, false (negative)",
        "line 7, column driving_licence: the value is missing, and it is required",
        "line 8, column age: 12.0 is below the minimum 18",
        "line 8, column cv_complete: 'perhaps' is not a yes/no value "
        "(use 1/0, true/false, yes/no or ja/nej)",
        "line 9, column spell_id: the id is missing",
        "line 10, column spell_id: the id 'S-0001' is also used on line 2",
    ]
    assert message == "Nothing was imported: default_history_bad.csv has 9 errors."
    assert out == ""
    assert TrainingRecord.objects.count() == 0
    assert FeatureSpec.objects.count() == 0  # not even the registration is kept
    assert not import_events().exists()


@pytest.mark.django_db
def test_a_bad_file_after_a_good_one_leaves_the_store_as_it_was():
    run(DEFAULT_SPEC, GOOD)
    before = snapshot()

    run_refused(DEFAULT_SPEC, BAD)

    assert snapshot() == before
    assert import_events().count() == 1


@pytest.mark.django_db
def test_missing_header_columns_are_each_one_error_on_line_1(tmp_path):
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    header[header.index("age")] = "Age"
    header[header.index("unemployed_12m")] = "outcome"
    drop = header.index("education")
    rows = [line.split(",") for line in [",".join(header), *lines[1:]]]
    path = write(tmp_path / "renamed.csv", [",".join(r[:drop] + r[drop + 1 :]) for r in rows])

    message, _, err = run_refused(DEFAULT_SPEC, path)

    assert err.splitlines() == [
        "line 1, column age: the column is missing from the header (did you mean 'Age'?)",
        "line 1, column education: the column is missing from the header",
        "line 1, column unemployed_12m: the column is missing from the header",
    ]
    assert message == "Nothing was imported: renamed.csv has 3 errors."
    assert TrainingRecord.objects.count() == 0


@pytest.mark.django_db
def test_optional_columns_may_be_left_out(tmp_path):
    header = DEFAULT_HEADER.split(",")
    keep = [i for i, name in enumerate(header) if name not in ("cv_complete", "gender")]
    lines = [DEFAULT_HEADER] + [default_row(i) for i in range(5)]
    path = write(
        tmp_path / "fewer.csv", [",".join(line.split(",")[i] for i in keep) for line in lines]
    )

    out, _ = run(DEFAULT_SPEC, path)

    assert "5 new" in out
    record = TrainingRecord.objects.get(record_id="G1")
    assert record.inputs["cv_complete"] is None
    assert record.protected["gender"] is None


@pytest.mark.django_db
def test_a_duplicate_id_names_the_earlier_line(tmp_path):
    lines = [DEFAULT_HEADER, *(default_row(i) for i in range(1, 6)), default_row(2, age="40")]
    path = write(tmp_path / "dupes.csv", lines)

    _, _, err = run_refused(DEFAULT_SPEC, path)

    assert err.splitlines() == ["line 7, column spell_id: the id 'G2' is also used on line 3"]
    assert TrainingRecord.objects.count() == 0


@pytest.mark.django_db
def test_semicolons_byte_order_mark_and_danish_dates():
    assert EXCEL.read_bytes().startswith(b"\xef\xbb\xbf")

    out, _ = run(DEFAULT_SPEC, EXCEL)

    assert out.splitlines()[1] == (
        "Imported default_history_excel.csv for default v1: 12 new, 0 updated, 0 unchanged"
    )
    record = TrainingRecord.objects.get(record_id="S-0101")  # the BOM is not in the id
    assert record.as_of == datetime.date(2024, 1, 20)  # 20-01-2024
    assert record.inputs["age"] == 34.5  # decimal comma
    assert record.inputs["cv_complete"] is False  # nej
    assert record.inputs["driving_licence"] is True  # ja
    assert record.outcome is True  # ja
    assert TrainingRecord.objects.filter(as_of__year=2024).count() == 12


@pytest.mark.django_db
def test_unknown_columns_are_listed_as_ignored_and_not_stored():
    out, _ = run(DEFAULT_SPEC, GOOD)

    assert out.splitlines()[1].endswith("; ignored columns: municipality, caseworker_note")
    record = TrainingRecord.objects.get(record_id="S-0001")
    assert "municipality" not in record.inputs
    assert "municipality" not in record.protected


@pytest.mark.django_db
def test_a_specification_with_errors_names_each_key():
    message, _, _ = run_refused(SPECS / "invalid.toml", GOOD)

    assert message.startswith(f"The specification {SPECS / 'invalid.toml'} was refused:")
    assert "  name: must contain only letters, digits, '-' and '_', got 'not valid!'" in message
    assert "  version: must be a positive whole number, got 0" in message
    assert "  features[0].type: must be one of numeric, categorical, boolean, got 'text'" in message
    assert "  features[0].lable_da: unknown key (did you mean 'label_da'?)" in message
    assert FeatureSpec.objects.count() == 0
    assert TrainingRecord.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_files_are_command_errors(tmp_path):
    message, _, _ = run_refused(tmp_path / "nope.toml", GOOD)
    assert message.startswith(f"Cannot read the specification {tmp_path / 'nope.toml'}")
    message, _, _ = run_refused(DEFAULT_SPEC, tmp_path / "nope.csv")
    assert message.startswith(f"Cannot read {tmp_path / 'nope.csv'}")


@pytest.mark.django_db
def test_a_cpr_like_value_is_never_printed(tmp_path):
    lines = [
        DEFAULT_HEADER,
        default_row(1, age="2501901234"),
        default_row(2, months_employed_3y="250190-1234"),
        default_row(3, spell_id="0101801234"),
        default_row(4, unemployed_12m="1211851234"),
        default_row(5, meeting2_date="3112994321"),
    ]
    path = write(tmp_path / "cpr.csv", lines)

    message, out, err = run_refused(DEFAULT_SPEC, path)

    assert err.splitlines() == [
        f"line 2, column age: {CPR_REASON}",
        f"line 3, column months_employed_3y: {CPR_REASON}",
        f"line 4, column spell_id: {CPR_REASON}",
        f"line 5, column unemployed_12m: {CPR_REASON}",
        f"line 6, column meeting2_date: {CPR_REASON}",
    ]
    printed = message + out + err
    for fragment in ("250190", "1234", "010180", "121185", "311299", "4321"):
        assert fragment not in printed
    assert TrainingRecord.objects.count() == 0


@pytest.mark.django_db
def test_changed_specification_under_the_same_version_is_refused(tmp_path):
    run(DEFAULT_SPEC, GOOD)
    text = DEFAULT_SPEC.read_text(encoding="utf-8")
    changed = tmp_path / "default.toml"
    changed.write_text(text.replace('label_en = "Age"', 'label_en = "Age (years)"'), "utf-8")

    message, _, _ = run_refused(changed, GOOD)

    assert message == (
        f"The specification {changed} was refused:\n"
        "  version: specification 'default' version 1 is already registered with different "
        "content; bump version"
    )
    assert FeatureSpec.objects.count() == 1
    assert import_events().count() == 1

    bumped = tmp_path / "default_v2.toml"
    bumped.write_text(changed.read_text("utf-8").replace("version = 1", "version = 2", 1), "utf-8")
    out, _ = run(bumped, GOOD)

    assert out.splitlines()[:2] == [
        "Registered specification default v2.",
        f"Imported default_history.csv for default v2: 30 new, 0 updated, 0 unchanged; {IGNORED}",
    ]
    assert sorted(FeatureSpec.objects.values_list("version", flat=True)) == [1, 2]
    assert TrainingRecord.objects.filter(specification__version=2).count() == 30
    assert TrainingRecord.objects.filter(specification__version=1).count() == 30


@pytest.mark.django_db
def test_a_larger_file_imports_and_reimports(tmp_path):
    n = 3_000
    path = write(tmp_path / "large.csv", [DEFAULT_HEADER, *(default_row(i) for i in range(n))])

    out, _ = run(DEFAULT_SPEC, path)
    assert (
        out.splitlines()[1]
        == "Imported large.csv for default v1: 3,000 new, 0 updated, 0 unchanged"
    )
    assert TrainingRecord.objects.count() == n

    out, _ = run(DEFAULT_SPEC, path)
    assert (
        out.splitlines()[0]
        == "Imported large.csv for default v1: 0 new, 0 updated, 3,000 unchanged"
    )


@pytest.mark.django_db
def test_many_errors_are_capped_with_a_count_of_the_rest(tmp_path):
    lines = [DEFAULT_HEADER, *(default_row(i, age="old") for i in range(250))]
    path = write(tmp_path / "many.csv", lines)

    message, _, err = run_refused(DEFAULT_SPEC, path)

    printed = err.splitlines()
    assert len(printed) == MAX_REPORTED_ERRORS + 1
    assert printed[0] == "line 2, column age: 'old' is not a number"
    assert printed[-1] == f"... and {250 - MAX_REPORTED_ERRORS} more errors"
    assert message == "Nothing was imported: many.csv has 250 errors."


@pytest.mark.django_db
def test_the_import_can_be_recorded_for_a_user(analyst):
    run(DEFAULT_SPEC, GOOD, "--as", analyst.username)

    (event,) = import_events()
    assert event.user == analyst
    assert event.jobcenter_id == analyst.jobcenter_id


@pytest.mark.django_db
def test_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("import_history", "--spec", str(DEFAULT_SPEC), str(GOOD), "--as", "nobody")
    assert TrainingRecord.objects.count() == 0


# -- The service ----------------------------------------------------------------------


@pytest.mark.django_db
def test_history_import_returns_a_report():
    with GOOD.open("rb") as csv_file:
        report = history_import(
            source_toml=DEFAULT_SPEC.read_text("utf-8"),
            csv_file=csv_file,
            file_name="h.csv",
            jobcenter_id=default_jobcenter().pk,
        )

    assert report.imported and report.changed and report.specification_registered
    assert (report.created, report.updated, report.unchanged, report.rows) == (30, 0, 0, 30)
    assert report.specification == FeatureSpec.objects.get()
    assert report.sha256 == hashlib.sha256(GOOD.read_bytes()).hexdigest()
    assert report.audit_event_id == import_events().get().pk


@pytest.mark.django_db
def test_history_import_with_errors_changes_nothing_and_returns_them():
    with BAD.open("rb") as csv_file:
        report = history_import(
            source_toml=DEFAULT_SPEC.read_text("utf-8"),
            csv_file=csv_file,
            file_name="bad.csv",
            jobcenter_id=default_jobcenter().pk,
        )

    assert not report.imported
    assert report.error_count == 9
    assert report.specification is None and report.audit_event_id is None
    assert str(report.errors[0]) == "line 3, column age: 'abc' is not a number"
    assert FeatureSpec.objects.count() == 0


@pytest.mark.django_db
def test_history_import_raises_for_an_invalid_specification():
    with pytest.raises(SpecificationError) as excinfo, GOOD.open("rb") as csv_file:
        history_import(
            source_toml=(SPECS / "invalid.toml").read_text("utf-8"),
            csv_file=csv_file,
            file_name="h.csv",
            jobcenter_id=default_jobcenter().pk,
        )
    assert "features[0].type: must be one of numeric, categorical, boolean, got 'text'" in (
        excinfo.value.errors
    )


# -- The parser (no database) -----------------------------------------------------------


def parse(text, specification=None):
    return history_parse(specification=specification or default_specification(), source=text)


def test_line_numbers_follow_the_file_with_blank_rows_and_quoted_line_breaks():
    text = "\n".join(
        [
            DEFAULT_HEADER,
            default_row(1),
            "",
            ",,,,,,,,,,,,,,,",  # an empty row from a spreadsheet
            default_row(2, previous_industry='"retail\nshop"'),  # spans lines 5 and 6
            default_row(3, age="x"),
        ]
    )
    parsed = parse(text)
    assert [str(e) for e in parsed.errors] == [
        "line 5, column previous_industry: 'retail\\nshop' is not one of: none, construction, "
        "manufacturing, retail, transport, hospitality, health_social, office_admin, "
        "it_communication, public_education, agriculture, cleaning",
        "line 7, column age: 'x' is not a number",
    ]
    assert parsed.rows == 3
    assert parsed.records == []  # a file with errors keeps no records


def test_ignored_columns_keep_header_order_and_skip_empty_names():
    parsed = parse(f"zeta,{DEFAULT_HEADER},alpha,\nz,{default_row(1)},a,\n")
    assert parsed.ok, parsed.errors
    assert parsed.ignored_columns == ["zeta", "alpha"]
    assert parsed.records[0].record_id == "G1"


def test_semicolons_are_sniffed_and_a_text_bom_is_dropped():
    text = "\ufeff" + "\n".join([DEFAULT_HEADER, default_row(1)]).replace(",", ";")
    parsed = parse(text)
    assert parsed.ok and parsed.delimiter == ";"
    assert parsed.records[0].record_id == "G1"


def test_a_row_with_more_cells_than_the_header_is_an_error():
    parsed = parse(f"{DEFAULT_HEADER}\n{default_row(1)},surplus\n{default_row(2)},,\n")
    assert [str(e) for e in parsed.errors] == [
        "line 2: the row has 17 cells but the header has 16 columns"
    ]
    assert parsed.rows == 2


def test_a_duplicated_header_column_is_an_error():
    parsed = parse(f"{DEFAULT_HEADER},age\n{default_row(1)},30\n")
    assert [str(e) for e in parsed.errors] == [
        "line 1, column age: the column appears twice (columns 3 and 17)"
    ]


def test_an_empty_file_and_a_file_that_is_not_utf8():
    assert [str(e) for e in parse("").errors] == [
        "line 1: the file is empty; the first line must be the header"
    ]
    data = f"{DEFAULT_HEADER}\n{default_row(1)}\n{default_row(2, origin='dansk')}\n".encode()
    data = data.replace(b"dansk", "dänsk".encode("latin-1"))
    parsed = parse(io.BytesIO(data))
    assert [str(e) for e in parsed.errors] == [
        "line 3: the file is not UTF-8 text; save it as UTF-8 (in Excel: 'CSV UTF-8')"
    ]


def test_a_long_cell_is_not_repeated_in_the_reason():
    parsed = parse(f"{DEFAULT_HEADER}\n{default_row(1, age='9' * 300)}\n")
    assert [str(e) for e in parsed.errors] == [
        "line 2, column age: the value (300 characters) cannot be read"
    ]


def test_required_protected_attributes_and_missing_outcomes_are_errors():
    small = specification_from_file(SMALL_SPEC)
    parsed = parse("case_no,age,sector,sex,still_on_benefits\nK1,30,public,,\n", small)
    assert [str(e) for e in parsed.errors] == [
        "line 2, column sex: the value is missing, and it is required",
        "line 2, column still_on_benefits: the outcome is missing; use one of: yes (positive) "
        "or 0, no, nej, false (negative)",
    ]


def test_a_large_file_is_read_in_one_pass():
    """Not a benchmark: 200,000 rows with a duplicate id at the very end must be read in
    one pass, and the duplicate must still name its first line."""
    n = 200_000

    def lines():
        yield (DEFAULT_HEADER + "\n").encode()
        for i in range(n):
            yield (default_row(i) + "\n").encode()
        yield (default_row(0) + "\n").encode()

    parsed = history_parse(specification=default_specification(), source=lines())
    assert parsed.rows == n + 1
    assert [str(e) for e in parsed.errors] == [
        f"line {n + 2}, column spell_id: the id 'G0' is also used on line 2"
    ]
