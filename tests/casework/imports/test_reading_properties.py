"""Whatever bytes arrive, reading a file either refuses it with a message or returns
records and problems, and no problem ever repeats a CPR number."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.imports.reading import ImportRefused, import_file_read
from casework.imports.serializers import CitizenRecordSerializer
from casework.imports.validation import ErrorList, records_validate
from prediction.specification import default_specification

CPR = "1704921234"
cells = st.one_of(
    st.text(max_size=20),
    st.just(CPR),
    st.just("170492-1234"),
    st.sampled_from(["citizen", "spell", "meeting", "snapshot", "outcome", "=1+1", "31-02-2026"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_or_read(content):
    try:
        import_file_read(content=content, file_name="x.csv", max_bytes=10_000, max_rows=100)
    except ImportRefused as exc:
        assert exc.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=8), st.sampled_from([";", ","]))
def test_no_problem_repeats_a_cpr_number(rows, delimiter):
    header = delimiter.join(["record_type", "cpr", "benefit_type"])
    body = "\r\n".join(
        delimiter.join(c.replace(delimiter, " ").replace('"', "") for c in row) for row in rows
    )
    read = import_file_read(
        content=(header + "\r\n" + body).encode(),
        file_name="x.csv",
        max_bytes=10_000,
        max_rows=100,
        known_columns={"cpr", "benefit_type"},
    )
    errors = ErrorList(1000)
    errors.extend(read.errors)
    records_validate(records=read.records, specification=default_specification(), errors=errors)
    shown = json.dumps([(e.column, e.value, e.reason) for e in errors.items])
    assert CPR not in shown and "170492-1234" not in shown


def test_a_message_that_quotes_the_input_never_repeats_a_cpr_number():
    errors = ErrorList(10)
    errors.add(1, "benefit_type", "»170492-1234« er ikke en ydelse; 1704921234", "x")
    assert errors.items[0].reason == "»170492-XXXX« er ikke en ydelse; 170492-XXXX"


def test_the_citizen_serializer_accepts_both_cpr_spellings():
    checker = CitizenRecordSerializer()
    for cpr in ("1704921234", "170492-1234"):
        assert checker.run_validation({"cpr": cpr, "name": "A"})["cpr"].digits == CPR
