"""The import service and its file reading: good files, re-imports, and every kind of
bad input, each with a Danish reason and nothing written."""

import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from casework.imports.reading import ImportRefused, import_file_read, mask_value
from casework.models import AssessmentSnapshot, Citizen, Meeting, Outcome, Spell
from tests.casework.imports.helpers import (
    CITIZEN,
    SNAPSHOT,
    SPELL,
    csv_bytes,
    import_bytes,
    rows_default,
)
from tests.factories import default_feature_spec


@pytest.fixture
def spec(db):
    return default_feature_spec()


@pytest.fixture
def setup(jobcenter, team_a, spec):
    return jobcenter


def _nothing_written():
    return (
        Citizen.objects.count(),
        Spell.objects.count(),
        Meeting.objects.count(),
        AssessmentSnapshot.objects.count(),
        Outcome.objects.count(),
        AuditEvent.objects.filter(action="data.import").count(),
    ) == (0, 0, 0, 0, 0, 0)


def _reasons(report):
    return [(e.line, e.column, e.value, e.reason) for e in report.errors]


def test_it_imports_a_danish_excel_file_and_a_second_time_changes_nothing(setup):
    content = csv_bytes(rows_default())  # ';', BOM, decimal comma, DD-MM-YYYY
    report = import_bytes(content, jobcenter=setup)
    assert report.ok, _reasons(report)
    assert {k: v.created for k, v in report.counts.items()} == {
        "citizen": 1,
        "spell": 1,
        "meeting": 2,
        "snapshot": 1,
        "outcome": 1,
    }
    citizen = Citizen.objects.get()
    assert citizen.name == "Karen Jensen" and citizen.birth_date.year == 1980
    assert citizen.gender == "female"
    snapshot = AssessmentSnapshot.objects.get()
    assert snapshot.values["months_employed_3y"]["value"] == 20.5
    assert snapshot.values["cv_complete"]["value"] is True
    assert Outcome.objects.get().unemployed_12m is False
    event = AuditEvent.objects.get(action="data.import")
    assert "0101801234" not in json.dumps(event.details)
    assert event.details["counts"]["meeting"]["created"] == 2

    again = import_bytes(content, jobcenter=setup)
    assert again.ok
    assert again.total("created") == 0 and again.total("updated") == 0
    assert again.total("unchanged") == 6
    assert AssessmentSnapshot.objects.count() == 1


def test_it_updates_what_changed_and_corrects_a_snapshot(setup):
    import_bytes(csv_bytes(rows_default()), jobcenter=setup)
    rows = rows_default()
    rows[0]["name"] = "Karen Jensen Holm"
    rows[4]["age"] = "47"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    assert report.counts["citizen"].updated == 1
    assert report.counts["snapshot"].updated == 1
    assert report.counts["meeting"].unchanged == 2
    correction = AssessmentSnapshot.objects.get(corrects__isnull=False)
    assert correction.values["age"]["value"] == 47
    assert Citizen.objects.get().name == "Karen Jensen Holm"


def test_it_reads_comma_separated_utf8_without_bom_and_iso_dates(setup):
    rows = rows_default()
    rows[1]["start_date"] = "2026-08-03"
    rows[4]["months_employed_3y"] = "20.5"
    report = import_bytes(csv_bytes(rows, delimiter=",", encoding="utf-8"), jobcenter=setup)
    assert report.ok, _reasons(report)
    assert report.delimiter == "," and report.encoding == "utf-8"


def test_it_reads_windows_1252(setup):
    rows = rows_default()
    rows[0]["name"] = "Søren Ærø Åberg"
    rows[0]["street_address"] = "Østergade 1"
    report = import_bytes(csv_bytes(rows, encoding="cp1252"), jobcenter=setup)
    assert report.ok, _reasons(report)
    assert report.encoding == "cp1252"
    assert Citizen.objects.get().name == "Søren Ærø Åberg"


def test_it_refuses_a_file_that_is_neither_utf8_nor_windows_1252(setup):
    content = csv_bytes(rows_default(), encoding="utf-16")
    with pytest.raises(ImportRefused, match="UTF-8 eller Windows-1252"):
        import_bytes(content, jobcenter=setup)
    assert _nothing_written()


def test_it_reports_every_bad_row_in_danish_and_writes_nothing(setup):
    rows = rows_default()
    rows[0]["cpr"] = "3102801234"  # 31 February
    rows[0]["postal_code"] = "74"
    rows[1]["cpr"] = "12345"
    rows[1]["benefit_type"] = "løn"
    rows[2]["number"] = "første"
    rows[3]["held_on"] = "2026/09/28"
    rows[4]["education"] = "phd"
    rows[4]["age"] = "200"
    rows[5]["unemployed_12m"] = "måske"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    assert not report.ok
    found = {(line, column): (value, reason) for line, column, value, reason in _reasons(report)}
    assert found[(2, "cpr")] == (
        "310280-XXXX",
        "De første seks cifre i CPR-nummeret er ikke en gyldig dato.",
    )
    assert found[(2, "postal_code")][1] == "Et postnummer har fire cifre."
    assert found[(3, "cpr")][0] == "XXXX"
    assert "Et CPR-nummer har 10 cifre" in found[(3, "cpr")][1]
    assert "er ikke en ydelse" in found[(3, "benefit_type")][1]
    assert found[(4, "number")][1] == "Et gyldigt heltal er påkrævet."
    assert found[(5, "held_on")][1] == "Skriv datoen som ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ."
    assert "kendte kategorier" in found[(6, "education")][1]
    assert found[(6, "education")][0] == "phd"
    assert "største tilladte, 67" in found[(6, "age")][1]
    assert "stadig var ledig" in found[(7, "unemployed_12m")][1]
    assert _nothing_written()


def test_no_cpr_number_appears_in_any_reason_or_value(setup):
    rows = rows_default()
    rows[1]["cpr"] = "1704921234"  # a valid number of a citizen not in the file
    rows[0]["name"] = "1704921234"  # a CPR number where a name should be
    rows[0]["cpr"] = "1704921235"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert "1704921234" not in text and "1704921235" not in text
    assert "170492-XXXX" in text


def test_duplicate_ids_in_one_file_are_refused(setup):
    rows = rows_default()
    rows.append(dict(SPELL))
    rows.append(dict(CITIZEN, cpr="010180-1234"))
    rows.append(dict(SNAPSHOT))
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    reasons = [e.reason for e in report.errors]
    assert "Forløbets id står også i post 3." in reasons
    assert "Borgeren (CPR-nummeret) står også i post 2." in reasons
    assert any("vurderingsgrundlag" in r for r in reasons)
    assert _nothing_written()


def test_references_to_unknown_citizens_teams_and_spells_are_refused(setup):
    rows = rows_default()[1:]  # no citizen
    rows[0]["team"] = "Team Ukendt"
    rows.append(
        {
            "record_type": "outcome",
            "spell_id": "F-404",
            "unemployed_12m": "1",
            "observed_on": "2027-01-01",
        }
    )
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    found = {(e.column, e.reason) for e in report.errors}
    assert ("team", "Teamet findes ikke i jobcentret.") in found
    assert ("spell_id", "Der er intet forløb med dette id i jobcentret eller i filen.") in found
    assert _nothing_written()
    rows[0]["team"] = rows_default()[1]["team"]  # a known team: the missing citizen shows
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    found = {(e.column, e.reason) for e in report.errors}
    assert ("cpr", "Der er ingen borger med dette CPR-nummer i jobcentret eller i filen.") in found
    assert _nothing_written()


def test_malformed_csv_and_unknown_record_types(setup):
    content = csv_bytes(rows_default()) + b'snapshot;"unterminated\r\n'
    report = import_bytes(content, jobcenter=setup)
    assert not report.ok
    with pytest.raises(ImportRefused, match="record_type"):
        import_bytes(b"navn;cpr\r\nKaren;0101801234\r\n", jobcenter=setup)
    rows = rows_default()
    rows[0]["record_type"] = "person"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    assert report.errors[0].reason.startswith("Ukendt posttype")
    assert _nothing_written()


def test_too_large_and_too_many_rows_are_refused_before_any_work(setup, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRefused, match="Filen er for stor"):
        import_bytes(csv_bytes(rows_default()), jobcenter=setup)
    settings.IMPORT_MAX_BYTES = 10_000_000
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportRefused, match="for mange rækker"):
        import_bytes(csv_bytes(rows_default()), jobcenter=setup)
    assert _nothing_written()


def test_json_files_deeply_nested_json_and_nested_values(setup):
    records = rows_default()
    report = import_bytes(
        json.dumps({"records": records}).encode(), jobcenter=setup, name="fil.json"
    )
    assert report.ok, _reasons(report)
    assert report.kind == "json"
    deep = b'{"records": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(ImportRefused, match="for dybt indlejret"):
        import_bytes(deep, jobcenter=setup, name="fil.json")
    nested = json.dumps([{"record_type": "citizen", "cpr": "0101801234", "name": {"a": 1}}])
    report = import_bytes(nested.encode(), jobcenter=setup, name="x.json")
    assert report.errors[0].column == "name"
    with pytest.raises(ImportRefused, match="ikke gyldig JSON"):
        import_bytes(b'{"records": [', jobcenter=setup, name="x.json")


def test_a_dry_run_counts_and_writes_nothing(setup):
    report = import_bytes(csv_bytes(rows_default()), jobcenter=setup, dry_run=True)
    assert report.ok and report.total("created") == 6
    assert _nothing_written()


def test_sql_looking_text_is_stored_verbatim(setup):
    rows = rows_default()
    rows[0]["name"] = "Robert'); DROP TABLE casework_citizen;--"
    assert import_bytes(csv_bytes(rows), jobcenter=setup).ok
    assert Citizen.objects.get().name == "Robert'); DROP TABLE casework_citizen;--"


def test_mask_value():
    assert mask_value("1704921234") == "170492-XXXX"
    assert mask_value("170492-1234", column="cpr") == "170492-XXXX"
    assert mask_value("12", column="cpr") == "XXXX"
    assert mask_value("x" * 200).endswith("…")


def test_unknown_columns_are_ignored_and_listed(setup):
    rows = rows_default()
    content = csv_bytes(rows[:1], columns=[*rows[0].keys(), "sagsnote"])
    read = import_file_read(
        content=content,
        file_name="f.csv",
        max_bytes=10**7,
        max_rows=10,
        known_columns={"cpr", "name"},
    )
    assert read.ignored_columns == ["postal_code", "citizenship", "sagsnote"]


def test_the_command_imports_and_a_bad_file_fails_with_the_rows(setup, tmp_path, capsys):
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes(rows_default()))
    call_command("import_citizens", str(path), "--jobcenter", "901", "--dry-run")
    assert _nothing_written()
    call_command("import_citizens", str(path), "--jobcenter", "901")
    assert Spell.objects.count() == 1
    out = capsys.readouterr().out
    assert "spell: 1 nye" in out
    bad = rows_default()
    bad[1]["start_date"] = "i går"
    path.write_bytes(csv_bytes(bad))
    with pytest.raises(CommandError, match="Intet er importeret"):
        call_command("import_citizens", str(path), "--jobcenter", "901")
    assert "linje 3, kolonne start_date" in capsys.readouterr().err


def test_a_spell_moved_to_another_team_moves_the_access(setup, team_a, team_b):
    from casework.permissions import citizens_visible_to
    from tests.factories import Role, make_staff

    alice = make_staff("alice2", Role.CASEWORKER, jobcenter=setup, team=team_a)
    charlie = make_staff("charlie2", Role.CASEWORKER, jobcenter=setup, team=team_b)
    assert import_bytes(csv_bytes(rows_default()), jobcenter=setup).ok
    assert citizens_visible_to(user=alice).count() == 1
    rows = rows_default()
    rows[1]["team"] = "Team B"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    assert report.counts["spell"].updated == 1
    assert citizens_visible_to(user=alice).count() == 0
    assert citizens_visible_to(user=charlie).count() == 1


def test_every_problem_of_a_row_is_reported_at_once(setup):
    """A spell with an impossible date and an unknown team: the preview names both, so
    the case system's export is fixed in one go."""
    rows = rows_default()
    spell = next(row for row in rows if row["record_type"] == "spell")
    spell["team"] = "Team Ukendt"
    spell["start_date"] = "31-02-2026"
    report = import_bytes(csv_bytes(rows), jobcenter=setup)
    line = rows.index(spell) + 2  # the header is line 1
    found = {(e.line, e.column) for e in report.errors}
    assert {(line, "team"), (line, "start_date")} <= found
    assert _nothing_written()
