"""The feature specification: one TOML file that describes a municipality's data.

The format is a public interface (see ``FEATURE_SPEC.md``): data teams write these
files by hand, so this module validates them strictly and reports *every* mistake it
finds, each prefixed with the key path it concerns, for example::

    features[2].type: must be one of numeric, categorical, boolean, got 'text'
    features[3].lable_da: unknown key (did you mean 'label_da'?)

Feature indexes in key paths count from 0, like array indexes in JSON paths.

The module is pure Python (standard library only, no Django) so it can be used by
management commands, the training pipeline, views and tests alike.

Language codes: every ``language`` argument accepts ``"da"`` or ``"en"`` (regional
variants such as ``"en-gb"`` too); anything else is treated as Danish, the default.
"""

from __future__ import annotations

import datetime
import difflib
import math
import numbers
import pathlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_NEGATIVE_VALUES",
    "DEFAULT_SPECIFICATION_PATH",
    "FEATURE_TYPES",
    "ROLES",
    "Feature",
    "Specification",
    "SpecificationError",
    "default_specification",
    "format_number",
    "specification_from_dict",
    "specification_from_file",
    "specification_from_toml",
]

FEATURE_TYPES = ("numeric", "categorical", "boolean")
ROLES = ("input", "protected")

#: Outcome values read as "negative" when a file leaves out ``outcome.negative``.
DEFAULT_NEGATIVE_VALUES = ("0", "no", "nej", "false")

#: Cell values accepted for a boolean feature (compared case-insensitively).
TRUE_VALUES = ("1", "true", "yes", "ja")
FALSE_VALUES = ("0", "false", "no", "nej")

DEFAULT_SPECIFICATION_PATH = pathlib.Path(__file__).resolve().parent / "specs" / "default.toml"

_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DMY_DATE_RE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})", re.ASCII)
_PLAIN_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")

_MISSING_LABEL = {"da": "mangler", "en": "missing"}
_BOOLEAN_LABELS = {"da": ("nej", "ja"), "en": ("no", "yes")}


class SpecificationError(ValueError):
    """A feature specification is invalid; ``errors`` lists every problem found.

    Each message starts with the key path it concerns. ``str(exc)`` is all the messages,
    one per line.
    """

    def __init__(self, errors: Iterable[str] | str) -> None:
        if isinstance(errors, str):
            errors = errors.splitlines() or [errors]
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


def _language(language: str | None) -> str:
    """Normalise a language code to ``"da"`` or ``"en"`` (Danish is the default)."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return "en" if code == "en" else "da"


def _pick(language: str | None, da: str, en: str, fallback: str = "") -> str:
    """The text in ``language``; else the other language; else ``fallback``."""
    if _language(language) == "en":
        return en or da or fallback
    return da or en or fallback


def format_number(value: float, language: str = "da") -> str:
    """Format a number for display: whole numbers without decimals, otherwise at most
    two decimals; Danish uses a decimal comma and '.' between thousands."""
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number.is_integer():
        text = f"{int(number):,}"
    else:
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
    if _language(language) == "da":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def _bound(value: float) -> str:
    """A bound in an error message: ``40`` rather than ``40.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _cell_text(raw: Any) -> str:
    """The text of a data-file cell or JSON value, stripped; ``8700.0`` becomes ``"8700"``."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, numbers.Integral):
        return str(int(raw))
    if isinstance(raw, numbers.Real) and math.isfinite(raw) and float(raw).is_integer():
        return str(int(raw))
    return str(raw).strip()


def _is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and math.isnan(raw)


@dataclass(frozen=True)
class Feature:
    """One column of the data file: a model input or a protected attribute."""

    name: str
    type: str  # "numeric" | "categorical" | "boolean"
    role: str  # "input" | "protected"
    label_da: str = ""
    label_en: str = ""
    required: bool = True
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    value_labels_da: dict[str, str] = field(default_factory=dict, hash=False)
    value_labels_en: dict[str, str] = field(default_factory=dict, hash=False)
    unit_da: str = ""
    unit_en: str = ""
    description_da: str = ""
    description_en: str = ""
    # Numeric only: the decimals a rule's threshold is shown with (2: øre, 0: whole
    # kroner, -2: hundreds of kroner). None: whole numbers for whole-number data,
    # otherwise as precise as needed.
    decimals: int | None = None

    def __post_init__(self) -> None:
        # Labels fall back to the other language, then to the name.
        label_da = self.label_da or self.label_en or self.name
        label_en = self.label_en or self.label_da or self.name
        object.__setattr__(self, "label_da", label_da)
        object.__setattr__(self, "label_en", label_en)
        object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "value_labels_da", dict(self.value_labels_da))
        object.__setattr__(self, "value_labels_en", dict(self.value_labels_en))
        for bound in ("min", "max"):
            value = getattr(self, bound)
            if value is not None:
                object.__setattr__(self, bound, float(value))

    # -- Display ---------------------------------------------------------------------

    @property
    def is_input(self) -> bool:
        return self.role == "input"

    @property
    def is_protected(self) -> bool:
        return self.role == "protected"

    def label(self, language: str) -> str:
        return self.label_en if _language(language) == "en" else self.label_da

    def unit(self, language: str) -> str:
        """The unit in ``language``, falling back to the other language, else ``""``."""
        return _pick(language, self.unit_da, self.unit_en)

    def description(self, language: str) -> str:
        """The plain-language description, falling back to the other language."""
        return _pick(language, self.description_da, self.description_en)

    def value_label(self, value: Any, language: str) -> str:
        """A value as a person should read it.

        Categorical: the value's label (other language, then the value itself).
        Boolean: "ja"/"nej" or "yes"/"no". Numeric: the number with its unit.
        A missing value reads "mangler"/"missing"; a value that cannot be read is shown
        as it is.
        """
        lang = _language(language)
        if _is_missing(value):
            return _MISSING_LABEL[lang]
        try:
            parsed = self._coerce(value)
        except ValueError:
            return _cell_text(value)
        if self.type == "categorical":
            return _pick(
                lang,
                self.value_labels_da.get(parsed, ""),
                self.value_labels_en.get(parsed, ""),
                parsed,
            )
        if self.type == "boolean":
            return _BOOLEAN_LABELS[lang][bool(parsed)]
        text = format_number(parsed, lang)
        unit = self.unit(lang)
        return f"{text} {unit}" if unit else text

    # -- Parsing ---------------------------------------------------------------------

    def parse_value(self, raw: str | int | float | bool | None) -> float | str | bool | None:
        """Read one value from a data-file cell or JSON.

        Returns ``None`` for a missing value (``None`` or an empty cell), a ``float`` for
        a numeric feature (checked against ``min``/``max``), the canonical spelling of
        one of ``values`` for a categorical feature, a ``bool`` for a boolean feature.
        Raises ``ValueError`` with the reason otherwise. Whether a missing value is
        allowed (``required``) is the caller's decision.
        """
        if _is_missing(raw):
            return None
        value = self._coerce(raw)
        if self.type == "numeric":
            if self.min is not None and value < self.min:
                raise ValueError(f"{value!r} is below the minimum {_bound(self.min)}")
            if self.max is not None and value > self.max:
                raise ValueError(f"{value!r} is above the maximum {_bound(self.max)}")
        return value

    def _coerce(self, raw: Any) -> float | str | bool:
        if self.type == "numeric":
            return _parse_number(raw)
        if self.type == "boolean":
            return _parse_boolean(raw)
        if self.type == "categorical":
            return self._parse_category(raw)
        raise ValueError(f"unknown feature type {self.type!r}")

    def _parse_category(self, raw: Any) -> str:
        text = _cell_text(raw)
        wanted = text.casefold()
        for value in self.values:
            if value.casefold() == wanted:
                return value
        raise ValueError(f"{text!r} is not one of: {', '.join(self.values)}")

    # -- Serialisation ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "role": self.role,
            "label_da": self.label_da,
            "label_en": self.label_en,
            "required": self.required,
        }
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.values:
            data["values"] = list(self.values)
        if self.value_labels_da:
            data["value_labels_da"] = dict(self.value_labels_da)
        if self.value_labels_en:
            data["value_labels_en"] = dict(self.value_labels_en)
        for key in ("unit_da", "unit_en", "description_da", "description_en"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.decimals is not None:
            data["decimals"] = self.decimals
        return data


def _parse_number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, numbers.Real):
        number = float(raw)
        shown = repr(raw)
    else:
        shown_text = str(raw).strip()
        shown = repr(shown_text)
        text = shown_text.replace(" ", "")
        # A Danish decimal comma ("3,5"), but not thousands separators ("1.234,5").
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _NUMBER_RE.fullmatch(text):
            raise ValueError(f"{shown} is not a number")
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{shown} is not a finite number")
    return number


def _parse_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, numbers.Real) and raw in (0, 1):
        return raw == 1
    text = _cell_text(raw)
    folded = text.casefold()
    if folded in TRUE_VALUES:
        return True
    if folded in FALSE_VALUES:
        return False
    raise ValueError(f"{text!r} is not a yes/no value (use 1/0, true/false, yes/no or ja/nej)")


@dataclass(frozen=True)
class Specification:
    """A validated feature specification. Build one with ``specification_from_*``."""

    name: str
    version: int
    title_da: str
    title_en: str
    record_id: str
    record_as_of: str | None
    outcome_column: str
    outcome_positive: tuple[str, ...]
    outcome_negative: tuple[str, ...]
    outcome_label_da: str
    outcome_label_en: str
    features: tuple[Feature, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "title_da", self.title_da or self.title_en or self.name)
        object.__setattr__(self, "title_en", self.title_en or self.title_da or self.name)
        label_da = self.outcome_label_da or self.outcome_label_en or self.outcome_column
        label_en = self.outcome_label_en or self.outcome_label_da or self.outcome_column
        object.__setattr__(self, "outcome_label_da", label_da)
        object.__setattr__(self, "outcome_label_en", label_en)
        object.__setattr__(self, "outcome_positive", tuple(self.outcome_positive))
        object.__setattr__(self, "outcome_negative", tuple(self.outcome_negative))
        object.__setattr__(self, "features", tuple(self.features))

    @property
    def inputs(self) -> tuple[Feature, ...]:
        """The model inputs, in file order. Protected attributes are never inputs."""
        return tuple(f for f in self.features if f.role == "input")

    @property
    def protected(self) -> tuple[Feature, ...]:
        """The protected attributes, kept only to measure fairness."""
        return tuple(f for f in self.features if f.role == "protected")

    def feature(self, name: str) -> Feature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def title(self, language: str) -> str:
        return self.title_en if _language(language) == "en" else self.title_da

    def outcome_label(self, language: str) -> str:
        return self.outcome_label_en if _language(language) == "en" else self.outcome_label_da

    def known_columns(self) -> set[str]:
        """Every column the specification names: id, as_of, outcome and the features."""
        columns = {self.record_id, self.outcome_column}
        if self.record_as_of:
            columns.add(self.record_as_of)
        columns.update(f.name for f in self.features)
        return columns

    def parse_outcome(self, raw: Any) -> bool:
        """``True`` means still unemployed (a positive value), ``False`` a negative one.

        Compared case-insensitively after stripping; a missing or unknown value raises
        ``ValueError`` naming the allowed values.
        """
        positive = {v.casefold() for v in self.outcome_positive}
        negative = {v.casefold() for v in self.outcome_negative}
        if isinstance(raw, bool):
            candidates = TRUE_VALUES if raw else FALSE_VALUES
            shown = repr(raw)
        elif _is_missing(raw):
            raise ValueError(f"the outcome is missing; {self._allowed_outcomes()}")
        else:
            text = _cell_text(raw)
            candidates = (text.casefold(),)
            shown = repr(text)
        for candidate in candidates:
            if candidate in positive:
                return True
            if candidate in negative:
                return False
        raise ValueError(f"{shown} is not an allowed outcome value; {self._allowed_outcomes()}")

    def _allowed_outcomes(self) -> str:
        return (
            f"use one of: {', '.join(self.outcome_positive)} (positive) "
            f"or {', '.join(self.outcome_negative)} (negative)"
        )

    def parse_as_of(self, raw: str | datetime.date) -> datetime.date:
        """A snapshot date: ISO 8601 (``YYYY-MM-DD``) or ``DD-MM-YYYY``."""
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        if _is_missing(raw):
            raise ValueError("the date is missing")
        text = str(raw).strip()
        if match := _ISO_DATE_RE.fullmatch(text):
            year, month, day = (int(part) for part in match.groups())
        elif match := _DMY_DATE_RE.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
        else:
            raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD or DD-MM-YYYY")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValueError(f"{text!r} is not a valid date") from None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict in the shape of the TOML file; it round-trips
        through ``specification_from_dict``."""
        record: dict[str, Any] = {"id": self.record_id}
        if self.record_as_of:
            record["as_of"] = self.record_as_of
        return {
            "name": self.name,
            "version": self.version,
            "title_da": self.title_da,
            "title_en": self.title_en,
            "record": record,
            "outcome": {
                "column": self.outcome_column,
                "positive": list(self.outcome_positive),
                "negative": list(self.outcome_negative),
                "label_da": self.outcome_label_da,
                "label_en": self.outcome_label_en,
            },
            "features": [feature.to_dict() for feature in self.features],
        }


# -- Validation --------------------------------------------------------------------------

_TOP_KEYS = ("name", "version", "title_da", "title_en", "record", "outcome", "features")
_RECORD_KEYS = ("id", "as_of")
_OUTCOME_KEYS = ("column", "positive", "negative", "label_da", "label_en")
_FEATURE_KEYS = (
    "name",
    "type",
    "role",
    "label_da",
    "label_en",
    "required",
    "min",
    "max",
    "values",
    "value_labels_da",
    "value_labels_en",
    "unit_da",
    "unit_en",
    "description_da",
    "description_en",
    "decimals",
)


def _key_path(parent: str, key: Any) -> str:
    key = str(key)
    shown = key if _PLAIN_KEY_RE.fullmatch(key) else f'"{key}"'
    return f"{parent}.{shown}" if parent else shown


class _Checker:
    """Collects every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def unknown_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in table:
            if key in allowed:
                continue
            message = "unknown key"
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            self.error(_key_path(path, key), message)

    def table(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
        value = parent.get(key)
        if value is None:
            self.error(path, "is required")
            return None
        if not isinstance(value, Mapping):
            self.error(path, f"must be a table ([{path}])")
            return None
        return value

    def text(
        self, table: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> str | None:
        """A text value, stripped; ``None`` when absent (an error if required)."""
        value = table.get(key)
        if value is None:
            if required:
                self.error(path, "is required")
            return None
        if not isinstance(value, str):
            self.error(path, f"must be text, got {value!r}")
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(path, "must not be empty")
            return None
        return value

    def number(self, table: Mapping[str, Any], key: str, path: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, f"must be a number, got {value!r}")
            return None
        if not math.isfinite(value):
            self.error(path, f"must be a finite number, got {value!r}")
            return None
        return float(value)

    def text_list(
        self, table: Mapping[str, Any], key: str, path: str, *, required: bool
    ) -> tuple[str, ...] | None:
        """A non-empty list of distinct (case-insensitively) non-empty texts."""
        value = table.get(key)
        if value is None:
            if required:
                self.error(path, "is required")
            return None
        if not isinstance(value, list | tuple):
            self.error(path, f"must be a list of text values, got {value!r}")
            return None
        if not value:
            self.error(path, "must not be empty")
            return None
        items: list[str] = []
        seen: set[str] = set()
        ok = True
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, str):
                hint = f' (write "{item}" in quotes)' if isinstance(item, int | float) else ""
                self.error(item_path, f"must be text, got {item!r}{hint}")
                ok = False
                continue
            item = item.strip()
            if not item:
                self.error(item_path, "must not be empty")
                ok = False
                continue
            if item.casefold() in seen:
                self.error(item_path, f"{item!r} is listed twice")
                ok = False
                continue
            seen.add(item.casefold())
            items.append(item)
        return tuple(items) if ok else None

    def column_name(self, table: Mapping[str, Any], key: str, path: str) -> str | None:
        name = self.text(table, key, path, required=True)
        if name is not None and any(ord(char) < 32 for char in name):
            self.error(path, f"must not contain control characters, got {name!r}")
            return None
        return name


def _check_feature(checker: _Checker, item: Mapping[str, Any], path: str) -> dict[str, Any] | None:
    """Validate one ``[[features]]`` table; return the Feature arguments if valid."""
    before = len(checker.errors)
    checker.unknown_keys(item, _FEATURE_KEYS, path)

    name = checker.column_name(item, "name", f"{path}.name")

    feature_type = item.get("type")
    if feature_type is None:
        checker.error(f"{path}.type", f"is required ({', '.join(FEATURE_TYPES)})")
    elif feature_type not in FEATURE_TYPES:
        checker.error(
            f"{path}.type", f"must be one of {', '.join(FEATURE_TYPES)}, got {feature_type!r}"
        )
        feature_type = None

    role = item.get("role")
    if role is None:
        checker.error(f"{path}.role", f"is required ({', '.join(ROLES)})")
    elif role not in ROLES:
        checker.error(f"{path}.role", f"must be one of {', '.join(ROLES)}, got {role!r}")
        role = None

    texts = {}
    for key in ("label_da", "label_en", "unit_da", "unit_en", "description_da", "description_en"):
        texts[key] = checker.text(item, key, f"{path}.{key}") or ""

    required = item.get("required", True)
    if not isinstance(required, bool):
        checker.error(f"{path}.required", f"must be true or false, got {required!r}")

    def only_for(key: str, allowed_type: str) -> bool:
        """Report a key that the feature's type does not take; True if it may be used."""
        if key in item and feature_type is not None and feature_type != allowed_type:
            checker.error(f"{path}.{key}", f"only allowed for {allowed_type} features")
            return False
        return True

    bounds: dict[str, float | None] = {}
    for key in ("min", "max"):
        bounds[key] = checker.number(item, key, f"{path}.{key}")
        only_for(key, "numeric")
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        checker.error(
            f"{path}.min",
            f"must not be greater than max ({_bound(bounds['min'])} > {_bound(bounds['max'])})",
        )
    for key in ("unit_da", "unit_en"):
        only_for(key, "numeric")
    decimals = item.get("decimals")
    bad_decimals = isinstance(decimals, bool) or not isinstance(decimals, int)
    if decimals is not None and only_for("decimals", "numeric"):  # noqa: SIM102
        if bad_decimals or not -6 <= decimals <= 6:
            checker.error(
                f"{path}.decimals", f"must be a whole number from -6 to 6, got {decimals!r}"
            )
            decimals = None

    values: tuple[str, ...] | None = ()
    if only_for("values", "categorical"):
        values = checker.text_list(
            item, "values", f"{path}.values", required=feature_type == "categorical"
        )

    value_labels: dict[str, dict[str, str]] = {}
    for key in ("value_labels_da", "value_labels_en"):
        value_labels[key] = {}
        labels_path = f"{path}.{key}"
        labels = item.get(key)
        if labels is None or not only_for(key, "categorical"):
            continue
        if not isinstance(labels, Mapping):
            checker.error(labels_path, f"must be a table of value = label, got {labels!r}")
            continue
        for value, label in labels.items():
            label_path = _key_path(labels_path, value)
            if values is not None and value not in values:
                checker.error(label_path, f"not one of the feature's values ({', '.join(values)})")
            if not isinstance(label, str) or not label.strip():
                checker.error(label_path, f"must be a non-empty text, got {label!r}")
                continue
            value_labels[key][value] = label.strip()

    if len(checker.errors) > before:
        return None
    return {
        "name": name,
        "type": feature_type,
        "role": role,
        "required": required,
        "min": bounds["min"],
        "max": bounds["max"],
        "values": values or (),
        "decimals": decimals,
        **value_labels,
        **texts,
    }


def specification_from_dict(data: Mapping[str, Any]) -> Specification:
    """Validate a parsed specification (TOML-shaped) and build a ``Specification``.

    Raises ``SpecificationError`` listing every problem found.
    """
    if not isinstance(data, Mapping):
        raise SpecificationError([f"specification: must be a table, got {type(data).__name__}"])
    checker = _Checker()
    checker.unknown_keys(data, _TOP_KEYS, "")

    name = checker.text(data, "name", "name", required=True)
    if name is not None and not _NAME_RE.fullmatch(name):
        checker.error("name", f"must contain only letters, digits, '-' and '_', got {name!r}")

    version = data.get("version")
    if version is None:
        checker.error("version", "is required")
    elif isinstance(version, bool) or not isinstance(version, int):
        checker.error("version", f"must be a whole number, got {version!r}")
    elif version < 1:
        checker.error("version", f"must be a positive whole number, got {version!r}")

    before_titles = len(checker.errors)
    title_da = checker.text(data, "title_da", "title_da")
    title_en = checker.text(data, "title_en", "title_en")
    if not title_da and not title_en and len(checker.errors) == before_titles:
        checker.error("title_da", "at least one of title_da and title_en is required")

    # Columns that features may not reuse, with the key that claims each.
    claimed: dict[str, str] = {}

    def claim(column: str | None, path: str) -> None:
        if column is None:
            return
        if column in claimed:
            checker.error(path, f"{column!r} is already used by {claimed[column]}")
        else:
            claimed[column] = path

    record_id = record_as_of = None
    record = checker.table(data, "record", "record")
    if record is not None:
        checker.unknown_keys(record, _RECORD_KEYS, "record")
        record_id = checker.column_name(record, "id", "record.id")
        claim(record_id, "record.id")
        if record.get("as_of") is not None:
            record_as_of = checker.column_name(record, "as_of", "record.as_of")
            claim(record_as_of, "record.as_of")

    outcome_column = outcome_label_da = outcome_label_en = None
    positive: tuple[str, ...] | None = None
    negative: tuple[str, ...] | None = None
    outcome = checker.table(data, "outcome", "outcome")
    if outcome is not None:
        checker.unknown_keys(outcome, _OUTCOME_KEYS, "outcome")
        outcome_column = checker.column_name(outcome, "column", "outcome.column")
        claim(outcome_column, "outcome.column")
        positive = checker.text_list(outcome, "positive", "outcome.positive", required=True)
        negative = checker.text_list(outcome, "negative", "outcome.negative", required=False)
        outcome_label_da = checker.text(outcome, "label_da", "outcome.label_da")
        outcome_label_en = checker.text(outcome, "label_en", "outcome.label_en")
        if positive is not None and negative is not None:
            folded_positive = {value.casefold() for value in positive}
            for index, value in enumerate(negative):
                if value.casefold() in folded_positive:
                    checker.error(
                        f"outcome.negative[{index}]",
                        f"{value!r} is also listed in outcome.positive",
                    )
        elif positive is not None and outcome.get("negative") is None:
            folded_positive = {value.casefold() for value in positive}
            negative = tuple(v for v in DEFAULT_NEGATIVE_VALUES if v not in folded_positive)

    features: list[Feature] = []
    raw_features = data.get("features")
    if raw_features is None or (isinstance(raw_features, list | tuple) and not raw_features):
        checker.error("features", "at least one feature is required ([[features]])")
    elif not isinstance(raw_features, list | tuple):
        checker.error("features", "must be a list of tables ([[features]])")
    else:
        has_input = False
        for index, item in enumerate(raw_features):
            path = f"features[{index}]"
            if not isinstance(item, Mapping):
                checker.error(path, f"must be a table ([[features]]), got {item!r}")
                continue
            if item.get("role") == "input":
                has_input = True
            arguments = _check_feature(checker, item, path)
            if arguments is None:
                # Still reserve a valid name so later duplicates are reported.
                name_value = item.get("name")
                if isinstance(name_value, str) and name_value.strip():
                    claim(name_value.strip(), f"{path}.name")
                continue
            claim(arguments["name"], f"{path}.name")
            features.append(Feature(**arguments))
        if not has_input:
            checker.error("features", 'at least one feature must have role = "input"')

    if checker.errors:
        raise SpecificationError(checker.errors)
    return Specification(
        name=name,
        version=version,
        title_da=title_da or "",
        title_en=title_en or "",
        record_id=record_id,
        record_as_of=record_as_of,
        outcome_column=outcome_column,
        outcome_positive=positive,
        outcome_negative=negative,
        outcome_label_da=outcome_label_da or "",
        outcome_label_en=outcome_label_en or "",
        features=tuple(features),
    )


def specification_from_toml(text: str | bytes) -> Specification:
    """Parse and validate a specification from TOML text.

    A TOML syntax error is a ``SpecificationError`` too; its message keeps tomllib's
    line and column.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpecificationError([f"file: not valid UTF-8 ({exc.reason})"]) from exc
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecificationError([f"TOML syntax error: {exc}"]) from exc
    return specification_from_dict(data)


def specification_from_file(path: str | pathlib.Path) -> Specification:
    """Read, parse and validate a specification file (UTF-8 TOML).

    A file that cannot be read raises ``OSError`` as usual.
    """
    return specification_from_toml(pathlib.Path(path).read_bytes())


def default_specification() -> Specification:
    """The specification shipped with the system (``prediction/specs/default.toml``)."""
    return specification_from_file(DEFAULT_SPECIFICATION_PATH)
