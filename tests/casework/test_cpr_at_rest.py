"""A stolen database file must not give away a single CPR number."""

from django.db import connection

from casework.models import Citizen


def test_it_stores_no_cpr_number_in_clear_text(citizen_spell):
    citizen = Citizen.objects.get()
    assert citizen.cpr_masked == "170492-XXXX"
    table_dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            table_dump.extend(str(row) for row in cursor.fetchall())
    dump = "\n".join(table_dump)
    assert "1704921234" not in dump
    assert "170492-1234" not in dump
    assert "921234" not in dump
