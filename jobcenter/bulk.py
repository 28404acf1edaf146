"""Bulk reads from PostgreSQL: a query's rows as a table of text, streamed with COPY and
parsed by pandas' C reader instead of one Python object per value. The training store
and the re-scoring of open spells read their hundreds of thousands of rows this way."""

from __future__ import annotations

import io

import pandas as pd
from django.db import connection


def text_table_by_copy(sql: str, params, columns: list[str]) -> pd.DataFrame | None:
    """The rows of ``sql`` (with ``params``, quoted by the driver) as text columns named
    ``columns``; an empty string where the database had NULL or an empty text. None when
    the query returns no rows. PostgreSQL only."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return None
    buffer.seek(0)
    # Everything as text, nothing guessed.
    return pd.read_csv(
        buffer, header=None, names=columns, dtype=str, keep_default_na=False, na_filter=False
    )
