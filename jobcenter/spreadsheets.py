"""CSV files that open safely and correctly in a spreadsheet, for every export.

- Every cell is quoted, so a delimiter inside a value (``tekst;=cmd|...``) never splits
  it into a new cell in a spreadsheet that reads semicolons.
- A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  prefixed with an apostrophe, so a spreadsheet shows it as text instead of running it
  as a formula (OWASP's advice against CSV injection).
- Danish conventions in Danish (semicolon between cells, decimal comma), English ones
  otherwise (comma, decimal point); UTF-8 with a byte order mark either way, which Excel
  needs to read æ, ø and å.
"""

from __future__ import annotations

import csv
import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

__all__ = ["BOM", "FORMULA_STARTS", "csv_safe_cell", "spreadsheet_writer"]


def csv_safe_cell(value) -> str:
    """The value as text, with a formula start neutralised."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_writer(target, *, language: str):
    """A ``csv.writer`` on ``target`` for the language's spreadsheet conventions."""
    danish = not (language or "da").startswith("en")
    return csv.writer(target, delimiter=";" if danish else ",", quoting=csv.QUOTE_ALL)
