"""Reading an import file: pure functions, bytes in, raw records out.

A file is CSV or JSON (docs/imports.md). CSV: a header row, one record per row, the
record's kind in the ``record_type`` column; ``;`` or ``,`` between cells (sniffed from
the header, as for history files: ``prediction.importing.sniff_delimiter``); UTF-8 with
or without a byte order mark, or Windows-1252 (what older Danish Excel saves), anything
else refused. JSON: ``{"records": [...]}`` or a bare list of flat objects.

Nothing here checks a value: that is the serializers' work. What is checked here is the
file itself (size, rows, encoding, header, the shape of JSON), and every problem found
is a ``RowError`` with the line, the column, the value (masked when it could be a CPR
number) and the reason in Danish.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from prediction.importing import RowError, looks_like_cpr, sniff_delimiter

__all__ = [
    "ImportRefused",
    "RawRecord",
    "ReadResult",
    "import_file_read",
    "mask_text",
    "mask_value",
    "records_from_json",
    "text_decode",
]

RECORD_TYPE = "record_type"
# A cell longer than this is shortened when shown in a report.
_SHOWN = 80
# Openers in a row: JSON nested this deep is refused before it is parsed.
DEEP_JSON = re.compile(rb"(?:[\[{]\s*){32}")
_DIGITS = re.compile(r"[0-9]")
# DDMMYY, an optional dash or space, four digits, not inside a longer number.
_CPR_IN_TEXT = re.compile(
    r"(?<![0-9])((?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2})[-\s]?[0-9]{4}(?![0-9])",
    re.ASCII,
)


class ImportRefused(ValueError):
    """The whole file is refused before any record is read; ``message`` is for people."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as the file or the request had it: ``line`` is the line in a CSV file
    or the record's number (from 1) in JSON; ``data`` holds the non-empty values."""

    line: int
    data: dict[str, Any]


@dataclass
class ReadResult:
    kind: str  # "csv" or "json"
    records: list[RawRecord]
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ""
    sha256: str = ""
    rows: int = 0


def mask_value(value: Any, *, column: str = "") -> str:
    """A value as a report may show it: a CPR number (or anything in the ``cpr`` column)
    as DDMMYY-XXXX, long text shortened."""
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    stripped = text.strip()
    if column == "cpr" or looks_like_cpr(stripped):
        digits = "".join(_DIGITS.findall(stripped))
        return f"{digits[:6]}-XXXX" if len(digits) >= 6 else "XXXX"
    if len(text) > _SHOWN:
        return text[: _SHOWN - 1] + "…"
    return text


def mask_text(text: str) -> str:
    """``text`` with anything shaped like a CPR number masked (a message that quotes
    the input, such as DRF's "not a valid choice", must not repeat one)."""
    return _CPR_IN_TEXT.sub(lambda match: f"{match.group(1)}-XXXX", text)


def _error(line: int, column: str, reason: str, value: Any = "") -> RowError:
    return RowError(line, column, reason, mask_value(value, column=column))


def text_decode(content: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (a byte order mark is dropped), else
    Windows-1252 when charset-normalizer finds the bytes plausible as such (strictly
    decoded: a byte Windows-1252 does not define refuses the file). Raises
    ``ImportRefused`` for anything else (UTF-16, a spreadsheet, binary data)."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
        try:
            return content.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    refused = ImportRefused(
        _(
            "Filen kan ikke læses som tekst i UTF-8 eller Windows-1252. Gem den som "
            "»CSV UTF-8« i Excel (eller som JSON i UTF-8), og prøv igen."
        )
    )
    if b"\x00" in content or content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refused
    best = from_bytes(content, cp_isolation=["cp1252"]).best()
    if best is None:
        raise refused
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise refused from None


def _looks_like_json(content: bytes, file_name: str) -> bool:
    if file_name.lower().endswith(".json"):
        return True
    head = content[:64].lstrip(codecs.BOM_UTF8).lstrip()
    return head[:1] in (b"{", b"[")


def import_file_read(
    *,
    content: bytes,
    file_name: str,
    max_bytes: int,
    max_rows: int,
    known_columns: frozenset[str] | set[str] = frozenset(),
) -> ReadResult:
    """Reads an import file. Raises ``ImportRefused`` for a file refused as a whole (too
    large, too many rows, an unknown encoding, no ``record_type`` column, JSON that
    cannot be read); returns the raw records and the problems of single rows. CSV
    columns not in ``known_columns`` are ignored and listed."""
    if len(content) > max_bytes:
        raise ImportRefused(
            _(
                "Filen er for stor: %(size)s MB. Der kan højst importeres %(limit)s MB ad "
                "gangen; del filen op."
            )
            % {"size": _megabytes(len(content)), "limit": _megabytes(max_bytes)}
        )
    if not content.strip():
        raise ImportRefused(_("Filen er tom."))
    sha256 = hashlib.sha256(content).hexdigest()
    if _looks_like_json(content, file_name):
        result = _json_read(content, max_rows=max_rows)
    else:
        # Before any parsing: a file with more lines than rows allowed is refused (a
        # quoted line break counts as a line here, so the limit errs on the safe side).
        if content.count(b"\n") > max_rows + 1:
            raise _too_many_rows(max_rows)
        text, encoding = text_decode(content)
        result = _csv_read(text, known_columns)
        result.encoding = encoding
    result.sha256 = sha256
    return result


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _too_many_rows(max_rows: int) -> ImportRefused:
    return ImportRefused(
        _("Filen har for mange rækker. Der kan højst importeres %(limit)s rækker ad gangen.")
        % {"limit": f"{max_rows:,}".replace(",", ".")}
    )


def _csv_read(text: str, known_columns) -> ReadResult:
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    delimiter = sniff_delimiter(first)
    lines.seek(0)
    reader = csv.reader(lines, delimiter=delimiter)
    result = ReadResult(kind="csv", records=[], delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportRefused(_("Filen er tom.")) from None
    except csv.Error:
        raise ImportRefused(_("Filens første linje kan ikke læses som CSV.")) from None
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name in positions:
            result.errors.append(
                _error(
                    1,
                    name,
                    _("Kolonnen står der to gange (kolonne %(first)s og %(second)s).")
                    % {"first": positions[name] + 1, "second": index + 1},
                )
            )
        else:
            positions[name] = index
    if RECORD_TYPE not in positions:
        raise ImportRefused(
            _(
                "Filens første linje skal være overskrifterne, og en af dem skal være "
                "»record_type« (citizen, spell, meeting, snapshot eller outcome)."
            )
        )
    if result.errors:
        return result
    width = len(header)
    result.ignored_columns = [
        name for name in positions if name not in known_columns and name != RECORD_TYPE
    ]
    named = [
        (name, index)
        for name, index in positions.items()
        if name in known_columns or name == RECORD_TYPE
    ]
    previous_end = reader.line_num
    try:
        for row in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            result.rows += 1
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                result.errors.append(
                    _error(
                        line,
                        "",
                        _("Rækken har %(cells)s celler, men overskriften har %(columns)s kolonner.")
                        % {"cells": len(row), "columns": width},
                    )
                )
                continue
            data = {}
            for name, index in named:
                if index < len(row):
                    cell = row[index].strip()
                    if cell:
                        data[name] = cell
            result.records.append(RawRecord(line, data))
    except csv.Error as exc:
        result.errors.append(
            _error(
                reader.line_num,
                "",
                _("Linjen kan ikke læses som CSV (%(reason)s).") % {"reason": exc},
            )
        )
    return result


def _json_read(content: bytes, *, max_rows: int) -> ReadResult:
    if DEEP_JSON.search(content):
        raise _too_deep()
    try:
        text, encoding = text_decode(content)
        document = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        if isinstance(exc, ImportRefused):
            raise
        line = getattr(exc, "lineno", None)
        raise ImportRefused(
            _("Filen er ikke gyldig JSON (linje %(line)s).") % {"line": line or "?"}
        ) from None
    result = records_from_json(document, max_rows=max_rows)
    result.encoding = encoding
    return result


def _too_deep() -> ImportRefused:
    return ImportRefused(
        _("JSON-filen er for dybt indlejret. En post er et fladt objekt af navne og værdier.")
    )


def records_from_json(document: Any, *, max_rows: int) -> ReadResult:
    """Records from parsed JSON: ``{"records": [...]}`` or a list of flat objects. A
    value must be text, a number, true/false or null (missing)."""
    if isinstance(document, dict) and set(document) == {"records"}:
        document = document["records"]
    if not isinstance(document, list):
        raise ImportRefused(
            _("JSON skal være en liste af poster eller et objekt med listen under »records«.")
        )
    if len(document) > max_rows:
        raise _too_many_rows(max_rows)
    result = ReadResult(kind="json", records=[], rows=len(document))
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            result.errors.append(_error(number, "", _("Posten er ikke et objekt.")))
            continue
        data = {}
        for key, value in item.items():
            if "\x00" in str(key) or (isinstance(value, str) and "\x00" in value):
                # JSON may spell a NUL character (\u0000); no database text holds one.
                result.errors.append(
                    _error(
                        number,
                        str(key).replace("\x00", "\ufffd"),
                        _("Teksten indeholder et nul-tegn (NUL), som ikke kan gemmes."),
                    )
                )
                continue
            if isinstance(value, dict | list):
                result.errors.append(
                    _error(
                        number,
                        str(key),
                        _("Værdien skal være tekst, et tal, true/false eller null."),
                    )
                )
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            data[str(key)] = value.strip() if isinstance(value, str) else value
        result.records.append(RawRecord(number, data))
    return result
