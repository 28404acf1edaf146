"""Reading a history file (CSV) against a feature specification.

Pure Python (standard library and ``prediction.specification`` only, no Django): the
caller decides what to do with the result (``prediction.history`` writes it to the
training store in one transaction).

The file:

- a header row, then one row per spell; the header is line 1 and every error names the
  line as a person sees it in the file (a cell with a quoted line break spans two lines;
  a row's number is its first line);
- comma- or semicolon-separated, sniffed from the header (Danish Excel writes ``;``);
- UTF-8, with or without a byte order mark ("CSV UTF-8" in Excel);
- an empty cell is a missing value; a row whose cells are all empty is skipped;
- columns the specification does not name are ignored and listed.

Every problem is reported as a :class:`RowError` (line, column, reason); the first
:data:`MAX_REPORTED_ERRORS` in detail, the rest as a count. A reason never repeats more
than the cell itself, and never a value that looks like a CPR number. The file is read
once, row by row, in time linear in its size (a million rows is the planned scale).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from prediction.specification import Feature, Specification

__all__ = [
    "CPR_REASON",
    "MAX_ID_LENGTH",
    "MAX_REPORTED_ERRORS",
    "HistoryRecord",
    "ParsedHistory",
    "RowError",
    "history_parse",
    "looks_like_cpr",
    "sniff_delimiter",
]

#: Errors reported in detail; the rest are counted.
MAX_REPORTED_ERRORS = 100
#: The training store's limit on a record id (``TrainingRecord.record_id``).
MAX_ID_LENGTH = 100
#: The reason given for a cell that looks like a CPR number (never the number itself).
CPR_REASON = "value looks like a CPR number; the training store must not hold CPR numbers"

DELIMITERS = (",", ";")
# A cell longer than this is not repeated in an error message.
_LONG_CELL = 80
# Parsed cells remembered per column (distinct raw texts repeat a lot in real files).
_CACHE_LIMIT = 4096
# DDMMYY, an optional dash or space, four digits.
_CPR_LIKE = re.compile(r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d\d[-\s]?\d{4}", re.ASCII)
_MISSING = object()


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in the file. ``column`` is empty for a problem with a whole row."""

    line: int
    column: str
    reason: str
    # The cell as a person may see it (casework's imports show it, CPR numbers masked).
    value: str = ""

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.reason}"
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One valid row: the fields of ``prediction.services.RecordIn``. ``inputs`` and
    ``protected`` hold every feature of that role by name, parsed (``float``, ``str``,
    ``bool``; ``None`` when missing)."""

    record_id: str
    as_of: datetime.date | None
    inputs: dict[str, Any]
    protected: dict[str, Any]
    outcome: bool


@dataclass
class ParsedHistory:
    """What :func:`history_parse` found.

    ``records`` holds the rows only while the file is free of errors: a file with any
    error is imported as a whole or not at all, so the parser stops keeping rows at the
    first error (and keeps checking the rest).
    """

    records: list[HistoryRecord]
    errors: list[RowError]  # the first MAX_REPORTED_ERRORS, in file order
    error_count: int  # all of them
    ignored_columns: list[str]  # header order
    rows: int  # data rows read (blank rows not counted)
    delimiter: str
    sha256: str  # of the bytes read (of the UTF-8 text when given text)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def unreported_errors(self) -> int:
        """Errors counted but not listed in ``errors``."""
        return self.error_count - len(self.errors)


class _NotUtf8(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Lines:
    """The file's physical lines as text, hashing what it reads."""

    def __init__(self, source: IO[bytes] | IO[str] | Iterable[str] | Iterable[bytes] | str | bytes):
        if isinstance(source, str):
            source = io.StringIO(source, newline="")
        elif isinstance(source, bytes | bytearray):
            source = io.BytesIO(bytes(source))
        self._source = source
        self.digest = hashlib.sha256()
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        update = self.digest.update
        for raw in self._source:
            if isinstance(raw, str):
                update(raw.encode("utf-8", "surrogatepass"))
                text = raw
                if self.count == 0:
                    text = text.removeprefix("\ufeff")
            else:
                raw = bytes(raw)
                update(raw)
                if self.count == 0:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise _NotUtf8(self.count + 1) from None
            self.count += 1
            yield text


def sniff_delimiter(header_line: str) -> str:
    """``;`` when the header splits into more columns on it than on ``,``."""
    counts = {}
    for delimiter in DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader([header_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            counts[delimiter] = 0
    return ";" if counts[";"] > counts[","] else ","


def looks_like_cpr(text: str) -> bool:
    return 10 <= len(text) <= 11 and _CPR_LIKE.fullmatch(text) is not None


def _checked(parse: Callable[[str], Any], raw: str) -> Any:
    """``parse(raw)``; a ``ValueError`` whose reason is safe to show."""
    text = raw.strip()
    if looks_like_cpr(text):
        raise ValueError(CPR_REASON)
    try:
        return parse(raw)
    except ValueError as exc:
        if len(text) > _LONG_CELL:
            raise ValueError(f"the value ({len(text)} characters) cannot be read") from None
        raise ValueError(str(exc) or "the value cannot be read") from None


@dataclass
class _Column:
    """How to read one feature's cells."""

    feature: Feature
    index: int | None  # None: the column is not in the file (an optional feature)
    cache: dict[str, Any]


def _missing_column_reason(name: str, header: list[str]) -> str:
    reason = "the column is missing from the header"
    close = difflib.get_close_matches(name, [c for c in header if c], n=1, cutoff=0.7)
    if not close:
        close = [c for c in header if c and c.casefold() == name.casefold()][:1]
    if close:
        reason += f" (did you mean {close[0]!r}?)"
    return reason


def history_parse(
    *,
    specification: Specification,
    source: IO[bytes] | IO[str] | Iterable[str] | Iterable[bytes] | str | bytes,
) -> ParsedHistory:
    """Read and check a history file against ``specification``.

    ``source`` is a file object (binary is best: its SHA-256 is then of the exact bytes;
    a text file should be opened with ``newline=""``), an iterable of lines, or the whole
    file as ``str``/``bytes``.
    """
    lines = _Lines(source)
    records: list[HistoryRecord] = []
    errors: list[RowError] = []
    error_count = 0
    rows = 0
    ignored: list[str] = []
    delimiter = ","

    def error(line: int, column: str, reason: str) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(RowError(line, column, reason))
        records.clear()

    def result() -> ParsedHistory:
        return ParsedHistory(
            records=records if not error_count else [],
            errors=errors,
            error_count=error_count,
            ignored_columns=ignored,
            rows=rows,
            delimiter=delimiter,
            sha256=lines.digest.hexdigest(),
        )

    line_iter = iter(lines)
    reader = None
    try:
        # -- The header ------------------------------------------------------------------
        first = next(line_iter, None)
        if first is None or not first.strip():
            error(1, "", "the file is empty; the first line must be the header")
            return result()
        delimiter = sniff_delimiter(first)
        reader = csv.reader(itertools.chain([first], line_iter), delimiter=delimiter)
        header = [name.strip() for name in next(reader)]
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            if not name:
                continue
            if name in positions:
                error(
                    1,
                    name,
                    f"the column appears twice (columns {positions[name] + 1} and {index + 1})",
                )
            else:
                positions[name] = index
        known = specification.known_columns()
        ignored.extend(name for name in positions if name not in known)

        needed = [specification.record_id]
        if specification.record_as_of:
            needed.append(specification.record_as_of)
        needed.extend(f.name for f in specification.features if f.required)
        needed.append(specification.outcome_column)
        for name in needed:
            if name not in positions:
                error(1, name, _missing_column_reason(name, header))
        if error_count:
            return result()

        id_column = specification.record_id
        id_index = positions[id_column]
        as_of_column = specification.record_as_of
        as_of_index = positions[as_of_column] if as_of_column else None
        outcome_column = specification.outcome_column
        outcome_index = positions[outcome_column]
        inputs = [
            _Column(f, positions.get(f.name), {}) for f in specification.features if f.is_input
        ]
        protected = [
            _Column(f, positions.get(f.name), {}) for f in specification.features if f.is_protected
        ]
        width = len(header)
        parse_as_of = specification.parse_as_of
        parse_outcome = specification.parse_outcome
        seen: dict[str, int] = {}

        def read(column: _Column, row: list[str], line: int) -> Any:
            """A feature's parsed cell; ``_MISSING`` after reporting an error."""
            index = column.index
            raw = row[index] if index is not None and index < len(row) else ""
            value = column.cache.get(raw, _MISSING)
            if value is _MISSING:
                feature = column.feature
                try:
                    value = _checked(feature.parse_value, raw)
                except ValueError as exc:
                    error(line, feature.name, str(exc))
                    return _MISSING
                if len(column.cache) < _CACHE_LIMIT:
                    column.cache[raw] = value
            if value is None and column.feature.required:
                error(line, column.feature.name, "the value is missing, and it is required")
                return _MISSING
            return value

        # -- The rows --------------------------------------------------------------------
        previous_end = reader.line_num
        for row in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            errors_before = error_count

            if len(row) > width and any(cell.strip() for cell in row[width:]):
                error(
                    line,
                    "",
                    f"the row has {len(row)} cells but the header has {width} columns",
                )

            record_id = row[id_index].strip() if id_index < len(row) else ""
            if not record_id:
                error(line, id_column, "the id is missing")
            elif looks_like_cpr(record_id):
                error(line, id_column, CPR_REASON)
            elif len(record_id) > MAX_ID_LENGTH:
                error(line, id_column, f"the id is longer than {MAX_ID_LENGTH} characters")
            else:
                earlier = seen.get(record_id)
                if earlier is not None:
                    error(line, id_column, f"the id {record_id!r} is also used on line {earlier}")
                else:
                    seen[record_id] = line

            as_of = None
            if as_of_index is not None:
                raw = row[as_of_index] if as_of_index < len(row) else ""
                try:
                    as_of = _checked(parse_as_of, raw)
                except ValueError as exc:
                    error(line, as_of_column, str(exc))

            input_values = {c.feature.name: read(c, row, line) for c in inputs}
            protected_values = {c.feature.name: read(c, row, line) for c in protected}

            raw = row[outcome_index] if outcome_index < len(row) else ""
            try:
                outcome = _checked(parse_outcome, raw)
            except ValueError as exc:
                error(line, outcome_column, str(exc))
                outcome = None

            if error_count == errors_before and not error_count:
                records.append(
                    HistoryRecord(record_id, as_of, input_values, protected_values, outcome)
                )
    except _NotUtf8 as exc:
        error(
            exc.line,
            "",
            "the file is not UTF-8 text; save it as UTF-8 (in Excel: 'CSV UTF-8')",
        )
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 1
        error(line, "", f"the file cannot be read as CSV ({exc})")
    return result()
