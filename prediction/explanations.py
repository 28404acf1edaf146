"""Explanations of a decision-tree score as plain Danish and English rules.

A fitted model is a ``Pipeline([("encode", CategoryRankEncoder), ("tree",
DecisionTreeClassifier)])``. ``compile_tree`` takes the tree's arrays out of it once and
writes every rule text in advance, so that ``explain`` is a walk over plain lists: well
under a millisecond per citizen, with no pandas and no string building on the hot path.

A rule never shows an encoded code ("education <= 2.5"): a numeric split reads "Alder er
højst 29 år", a boolean split "CV på Jobnet er udfyldt: nej", a categorical split "Højeste
fuldførte uddannelse er en af: Grundskole, Gymnasial uddannelse".

The module is pure (numpy only, no Django, no database).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from prediction.specification import Feature, Specification, format_number

__all__ = [
    "CompiledTree",
    "Explanation",
    "LeafRules",
    "NotScorable",
    "Rule",
    "compile_tree",
    "explain",
    "risk_band",
    "tree_rules",
    "merge_rules",
    "wilson_interval",
]

DEFAULT_BAND_CUTOFFS = (0.3, 0.6)
LANGUAGES = ("da", "en")


# -- Small statistics --------------------------------------------------------------------


def risk_band(probability: float, cutoffs=DEFAULT_BAND_CUTOFFS) -> str:
    """``"low"`` below ``cutoffs[0]``, ``"medium"`` from ``cutoffs[0]`` up to (not
    including) ``cutoffs[1]``, ``"high"`` from ``cutoffs[1]``."""
    low, high = _check_cutoffs(cutoffs)
    if probability != probability:
        raise ValueError("the probability is missing (NaN); it has no risk band")
    if probability < low:
        return "low"
    if probability < high:
        return "medium"
    return "high"


def _check_cutoffs(cutoffs) -> tuple[float, float]:
    low, high = (float(c) for c in cutoffs)
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"band cut-offs must satisfy 0 <= low <= high <= 1, got {cutoffs!r}")
    return low, high


def wilson_interval(positives: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for ``positives`` out of ``n`` (95 % for z = 1.96).
    With no cases at all, nothing is known: ``(0.0, 1.0)``."""
    if n <= 0:
        return (0.0, 1.0)
    p = positives / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


# -- Results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One step down the tree, as a person reads it."""

    feature: str
    text_da: str
    text_en: str
    contribution: float  # estimated risk after this rule minus before
    probability_before: float
    probability_after: float
    # What the rule tests, so that two tests of the same input can be read as one
    # (``merge_rules``): "numeric" (value > lower, value <= upper; whole numbers when
    # ``integer``), "categorical" (value in ``values``), or "" (not mergeable: a
    # boolean, or "the information is missing"). ``or_missing``: a missing value
    # also takes this branch.
    kind: str = ""
    lower: float | None = None
    upper: float | None = None
    integer: bool = False
    values: tuple[str, ...] = ()
    or_missing: bool = False
    steps: int = 1  # how many steps of the tree this rule stands for

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_da

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "text_da": self.text_da,
            "text_en": self.text_en,
            "contribution": self.contribution,
            "probability_before": self.probability_before,
            "probability_after": self.probability_after,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class Explanation:
    """One citizen's score, the rules that produced it, and what it means."""

    probability: float
    band: str  # "low" | "medium" | "high"
    interval: tuple[float, float]  # Wilson 95 % interval for the leaf's rate
    leaf_id: int
    leaf_n: int
    leaf_positives: int
    base_rate: float
    rules: tuple[Rule, ...]  # every step down the tree, in order
    meaning_da: str
    meaning_en: str
    # The rules as a person would say them: two tests of the same input read as one
    # condition (``merge_rules``). What the citizen page and the letter show.
    merged: tuple[Rule, ...] | None = None

    @property
    def conditions(self) -> tuple[Rule, ...]:
        return self.rules if self.merged is None else self.merged

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": [rule.to_dict() for rule in self.conditions],
            "probability": self.probability,
            "band": self.band,
            "interval": [self.interval[0], self.interval[1]],
            "leaf_id": self.leaf_id,
            "leaf_n": self.leaf_n,
            "leaf_positives": self.leaf_positives,
            "base_rate": self.base_rate,
            "rules": [rule.to_dict() for rule in self.rules],
            "meaning_da": self.meaning_da,
            "meaning_en": self.meaning_en,
        }


@dataclass(frozen=True)
class NotScorable:
    """No score: required inputs are missing (``missing`` names them)."""

    missing: tuple[str, ...]
    message_da: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": list(self.missing),
            "message_da": self.message_da,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class LeafRules:
    """One leaf of the tree: who ends there (``conditions``) and their estimated risk."""

    leaf_id: int
    n: int
    probability: float
    band: str
    conditions: tuple[Rule, ...]  # merged: one condition per input (``merge_rules``)
    positives: int = 0
    interval: tuple[float, float] = (0.0, 1.0)
    steps: tuple[Rule, ...] = ()  # every step down the tree, with its own effect

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "n": self.n,
            "positives": self.positives,
            "probability": self.probability,
            "band": self.band,
            "interval": [self.interval[0], self.interval[1]],
            "conditions": [rule.to_dict() for rule in self.conditions],
            "steps": [rule.to_dict() for rule in self.steps],
        }


# -- The compiled tree -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompiledTree:
    """Plain arrays taken once from a fitted pipeline, and every rule text written in
    advance. Node arrays are indexed by node id; ``feature`` is -2 at a leaf and
    otherwise an index into ``columns`` (the encoder's input order)."""

    specification: Specification
    encoder: Any
    tree: Any  # the fitted sklearn ``Tree`` (``tree_``), for vectorised ``apply``
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    n: np.ndarray  # training cases per node
    rate: np.ndarray  # positive outcome share per node
    positives: np.ndarray  # positive training cases per node (rate x n, rounded)
    # Walk tables (lists are faster than numpy scalars in a Python loop).
    _walk: tuple = field(repr=False)
    _required: tuple = field(repr=False)
    _steps: tuple = field(repr=False)  # per node: (left, right, left_plain, right_plain,
    #                                     missing, left_tree, right_tree) rules or None
    _leaves: dict = field(repr=False)  # leaf id -> (probability, n, positives, interval,
    #                                     meaning_da, meaning_en)

    @property
    def node_count(self) -> int:
        return len(self.feature)

    @property
    def root_rate(self) -> float:
        return float(self.rate[0])

    def is_leaf(self, node: int) -> bool:
        return self.feature[node] < 0


def compile_tree(*, pipeline, specification: Specification) -> CompiledTree:
    """Take the arrays out of a fitted ``encode`` + ``tree`` pipeline and write the rule
    texts of every split and the meaning sentence of every leaf."""
    encoder = pipeline.named_steps.get("encode", pipeline[0])
    estimator = pipeline.named_steps.get("tree", pipeline[-1])
    tree = estimator.tree_
    columns = tuple(encoder.columns)
    kinds = tuple(encoder.kinds)
    if tree.n_features != len(columns):
        raise ValueError(
            f"the tree was fitted on {tree.n_features} inputs, the encoder has {len(columns)}"
        )
    try:
        features = tuple(specification.feature(name) for name in columns)
    except KeyError as exc:
        raise ValueError(f"the model's input {exc.args[0]!r} is not in the specification") from None

    feature = np.asarray(tree.feature, dtype=np.int64)
    threshold = np.asarray(tree.threshold, dtype=np.float64)
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    missing_left = np.asarray(tree.missing_go_to_left, dtype=bool)
    n = np.asarray(tree.n_node_samples, dtype=np.int64)
    rate = _positive_rate(estimator)
    positives = np.rint(rate * n).astype(np.int64)

    ranks = [
        {value: float(rank) for rank, value in enumerate(encoder.categories_[name])}
        if kind == "categorical"
        else None
        for name, kind in zip(columns, kinds, strict=True)
    ]
    integer = [
        bool(getattr(encoder, "integer_valued_", {}).get(name, False))
        if kind == "numeric"
        else False
        for name, kind in zip(columns, kinds, strict=True)
    ]
    walk = (
        feature.tolist(),
        threshold.tolist(),
        left.tolist(),
        right.tolist(),
        missing_left.tolist(),
        [
            (name, kind, ranks[j], integer[j])
            for j, (name, kind) in enumerate(zip(columns, kinds, strict=True))
        ],
    )
    # Required inputs, with the known categories of a categorical one: an unknown
    # category encodes as missing, so it cannot be scored either.
    required = tuple(
        (f.name, f.label_da, f.label_en, ranks[columns.index(f.name)])
        for f in specification.inputs
        if f.required and f.name in columns
    )

    writer = _RuleWriter(encoder)
    rate_list = rate.tolist()
    steps: list[tuple | None] = []
    leaves: dict[int, tuple] = {}
    for node, j in enumerate(walk[0]):
        if j < 0:
            steps.append(None)
            p, count, pos = rate_list[node], int(n[node]), int(positives[node])
            meaning_da, meaning_en = _meaning(p, count, specification)
            leaves[node] = (p, count, pos, wilson_interval(pos, count), meaning_da, meaning_en)
            continue
        feat, t = features[j], walk[1][node]
        before = rate_list[node]
        after_left, after_right = rate_list[walk[2][node]], rate_list[walk[3][node]]

        def rule(texts, after, feat=feat, before=before, **tests):
            return Rule(feat.name, texts[0], texts[1], after - before, before, after, **tests)

        left_texts, right_texts = writer.split(feat, j, kinds[j], t, integer[j])
        if kinds[j] == "numeric":
            left_tests = {"kind": "numeric", "upper": t, "integer": integer[j]}
            right_tests = {"kind": "numeric", "lower": t, "integer": integer[j]}
            left_plain_tests = left_tests | {"integer": False}
            right_plain_tests = right_tests | {"integer": False}
        elif kinds[j] == "categorical":
            left_tests = {
                "kind": "categorical",
                "values": tuple(encoder.categories_at_or_below(feat.name, t)),
            }
            right_tests = {
                "kind": "categorical",
                "values": tuple(encoder.categories_above(feat.name, t)),
            }
            left_plain_tests, right_plain_tests = left_tests, right_tests
        else:
            left_tests = right_tests = left_plain_tests = right_plain_tests = {}
        if kinds[j] == "numeric" and integer[j]:
            left_plain, right_plain = writer.split(feat, j, kinds[j], t, False)
        else:
            left_plain, right_plain = left_texts, right_texts
        goes_left = walk[4][node]
        missing_texts = (
            f"{feat.label_da}: oplysningen mangler",
            f"{feat.label_en}: the information is missing",
        )
        left_tree, right_tree = left_texts, right_texts
        left_tree_tests, right_tree_tests = dict(left_tests), dict(right_tests)
        if not feat.required:  # a missing value can reach this split: say where it goes
            suffix = MISSING_SUFFIX
            if goes_left:
                left_tree = (left_texts[0] + suffix[0], left_texts[1] + suffix[1])
                left_tree_tests["or_missing"] = True
            else:
                right_tree = (right_texts[0] + suffix[0], right_texts[1] + suffix[1])
                right_tree_tests["or_missing"] = True
        steps.append(
            (
                rule(left_texts, after_left, **left_tests),
                rule(right_texts, after_right, **right_tests),
                rule(left_plain, after_left, **left_plain_tests),
                rule(right_plain, after_right, **right_plain_tests),
                rule(missing_texts, after_left if goes_left else after_right),
                rule(left_tree, after_left, **left_tree_tests),
                rule(right_tree, after_right, **right_tree_tests),
            )
        )

    return CompiledTree(
        specification=specification,
        encoder=encoder,
        tree=tree,
        columns=columns,
        kinds=kinds,
        feature=feature,
        threshold=threshold,
        left=left,
        right=right,
        missing_left=missing_left,
        n=n,
        rate=rate,
        positives=positives,
        _walk=walk,
        _required=required,
        _steps=tuple(steps),
        _leaves=leaves,
    )


def _positive_rate(estimator) -> np.ndarray:
    """The positive class's share per node, exactly as ``predict_proba`` returns it."""
    value = np.asarray(estimator.tree_.value, dtype=np.float64)[:, 0, :]
    classes = list(estimator.classes_)
    positive = [i for i, c in enumerate(classes) if c is True or c == 1]
    if not positive:
        return np.zeros(len(value), dtype=np.float64)
    rate = value[:, positive[0]].copy()
    totals = value.sum(axis=1)
    if not np.allclose(totals, 1.0):  # older scikit-learn kept counts, not fractions
        rate = np.divide(rate, totals, out=np.zeros_like(rate), where=totals > 0)
    return rate


# -- Writing rules -----------------------------------------------------------------------

MISSING_SUFFIX = (" (eller oplysningen mangler)", " (or the information is missing)")


def merge_rules(rules, specification: Specification) -> tuple[Rule, ...]:
    """The rules of one path as a person would say them: all tests of the same numeric
    or categorical input become one condition ("age over 30", then "age 45 or under"
    reads "age 31–45"), in the place of the input's last test, with the effect of the
    merged steps (the sum of their effects; the risk after it is the risk after the
    last of them, so the "after" column stays true). A rule about a missing value, or
    on a boolean, stays as it is."""
    rules = tuple(rules)
    by_feature: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        if rule.kind:
            by_feature.setdefault(rule.feature, []).append(index)
    repeated = {name: indices for name, indices in by_feature.items() if len(indices) > 1}
    if not repeated:
        return rules
    merged_at = {
        indices[-1]: _merged(rules, indices, specification) for indices in repeated.values()
    }
    dropped = {index for indices in repeated.values() for index in indices[:-1]}
    return tuple(
        merged_at.get(index, rule) for index, rule in enumerate(rules) if index not in dropped
    )


def _merged(rules, indices: list[int], specification: Specification) -> Rule:
    parts = [rules[index] for index in indices]
    last = parts[-1]
    contribution = sum(rule.contribution for rule in parts)
    feat = specification.feature(last.feature)
    or_missing = all(rule.or_missing for rule in parts)
    if last.kind == "categorical":
        allowed = set(parts[0].values)
        for rule in parts[1:]:
            allowed &= set(rule.values)
        values = tuple(value for value in feat.values if value in allowed) or tuple(sorted(allowed))
        texts = _one_of(feat, list(values))
        tests = {"kind": "categorical", "values": values}
    else:
        lowers = [rule.lower for rule in parts if rule.lower is not None]
        uppers = [rule.upper for rule in parts if rule.upper is not None]
        lower = max(lowers) if lowers else None
        upper = min(uppers) if uppers else None
        integer = all(rule.integer for rule in parts)
        texts = _range_text(feat, lower, upper, integer)
        tests = {"kind": "numeric", "lower": lower, "upper": upper, "integer": integer}
    if or_missing:
        texts = (texts[0] + MISSING_SUFFIX[0], texts[1] + MISSING_SUFFIX[1])
    return Rule(
        last.feature,
        texts[0],
        texts[1],
        contribution,
        last.probability_after - contribution,
        last.probability_after,
        or_missing=or_missing,
        steps=sum(rule.steps for rule in parts),
        **tests,
    )


def _range_text(feat: Feature, lower, upper, integer: bool) -> tuple[str, str]:
    """``lower < value <= upper`` in words; whole numbers for an integer-valued input
    ("31–45"), never "30.5"."""
    if lower is None or upper is None:  # tests from one side only: the tightest one
        threshold = upper if lower is None else lower
        left, right = _RuleWriter._numeric(feat, threshold, integer)
        return left if lower is None else right
    if integer:
        low, high = math.floor(lower) + 1, math.floor(upper)
        if low >= high:
            return _numeric_text(feat, "er", "is", high)
        numbers = {
            language: f"{_number(low, language)}–{_number(high, language)}"
            for language in ("da", "en")
        }
        unit_da, unit_en = feat.unit("da"), feat.unit("en")
        da = f"{feat.label_da} er {numbers['da']}" + (f" {unit_da}" if unit_da else "")
        en = f"{feat.label_en} is {numbers['en']}" + (f" {unit_en}" if unit_en else "")
        return da, en
    above_da, above_en = _numeric_text(feat, "er over", "is more than", lower)
    unit_da, unit_en = feat.unit("da"), feat.unit("en")
    shown_upper = _shown(feat, upper)
    at_most_da = f"højst {_number(shown_upper, 'da')}" + (f" {unit_da}" if unit_da else "")
    at_most_en = f"at most {_number(shown_upper, 'en')}" + (f" {unit_en}" if unit_en else "")
    if unit_da and above_da.endswith(f" {unit_da}"):
        above_da = above_da[: -len(unit_da) - 1]
    if unit_en and above_en.endswith(f" {unit_en}"):
        above_en = above_en[: -len(unit_en) - 1]
    return f"{above_da} og {at_most_da}", f"{above_en} and {at_most_en}"


class _RuleWriter:
    """Writes the (Danish, English) text of each side of a split, caching by split."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.cache: dict[tuple, tuple[tuple[str, str], tuple[str, str]]] = {}

    def split(self, feat: Feature, j: int, kind: str, threshold: float, integer: bool):
        key = (j, threshold, integer)
        if key not in self.cache:
            if kind == "categorical":
                self.cache[key] = self._categorical(feat, threshold)
            elif kind == "boolean":
                self.cache[key] = (self._boolean(feat, False), self._boolean(feat, True))
            else:
                self.cache[key] = self._numeric(feat, threshold, integer)
        return self.cache[key]

    def _categorical(self, feat: Feature, threshold: float):
        below = self.encoder.categories_at_or_below(feat.name, threshold)
        above = self.encoder.categories_above(feat.name, threshold)
        return _one_of(feat, below), _one_of(feat, above)

    @staticmethod
    def _boolean(feat: Feature, value: bool) -> tuple[str, str]:
        return (
            f"{feat.label_da}: {feat.value_label(value, 'da')}",
            f"{feat.label_en}: {feat.value_label(value, 'en')}",
        )

    @staticmethod
    def _numeric(feat: Feature, threshold: float, integer: bool):
        if integer:
            at_most = math.floor(threshold)
            at_least = at_most + 1
            if feat.min is not None and at_most <= feat.min:
                left = _numeric_text(feat, "er", "is", at_most)
            else:
                left = _numeric_text(feat, "er højst", "is at most", at_most)
            if feat.max is not None and at_least >= feat.max:
                right = _numeric_text(feat, "er", "is", at_least)
            else:
                right = _numeric_text(feat, "er mindst", "is at least", at_least)
            return left, right
        return (
            _numeric_text(feat, "er højst", "is at most", threshold),
            _numeric_text(feat, "er over", "is more than", threshold),
        )


def _one_of(feat: Feature, values: list[str]) -> tuple[str, str]:
    """ "X er en af: A, B" in the specification's order of values (rank order would read
    as arbitrary); "; " between labels when a label itself holds a comma."""
    order = {value: i for i, value in enumerate(feat.values)}
    values = sorted(values, key=lambda value: order.get(value, len(order)))
    texts = []
    for language, one, many in (("da", "er", "er en af:"), ("en", "is", "is one of:")):
        labels = [feat.value_label(value, language) for value in values]
        label = feat.label(language)
        separator = "; " if any("," in text for text in labels) else ", "
        if len(labels) == 1:
            texts.append(f"{label} {one} {labels[0]}")
        elif labels:
            texts.append(f"{label} {many} {separator.join(labels)}")
        else:
            texts.append(f"{label} {many} –")
    return texts[0], texts[1]


def _number(value: float, language: str) -> str:
    """``format_number`` (two decimals at most), with more digits when two would change
    the meaning of a threshold."""
    if abs(value - round(value, 2)) < 1e-9:
        return format_number(value, language)
    text = f"{value:.6g}"
    return text.replace(".", ",") if language == "da" else text


def _shown(feat: Feature, value: float) -> float:
    """A threshold at the precision the specification gives for the input (``decimals``),
    e.g. money in whole kroner; unchanged without one."""
    if feat.decimals is None:
        return value
    rounded = round(value, feat.decimals)
    return float(rounded) if feat.decimals > 0 else float(int(rounded))


def _numeric_text(feat: Feature, word_da: str, word_en: str, value: float) -> tuple[str, str]:
    value = _shown(feat, value)
    number_da, number_en = _number(value, "da"), _number(value, "en")
    unit_da, unit_en = feat.unit("da"), feat.unit("en")
    if value == 1 and unit_en.endswith("s") and not unit_en.endswith("ss"):
        unit_en = unit_en[:-1]  # "1 year", "1 spell", "1 month"
    if value == 1:
        unit_da = ""  # Danish plurals are irregular ("1 måneder"); the number suffices
    da = f"{feat.label_da} {word_da} {number_da}" + (f" {unit_da}" if unit_da else "")
    en = f"{feat.label_en} {word_en} {number_en}" + (f" {unit_en}" if unit_en else "")
    return da, en


def _meaning(p: float, n: int, specification: Specification) -> tuple[str, str]:
    """What the score is and is not, and how often similar past citizens went the
    other way ("1 in N")."""
    count_da = format_number(n, "da")
    count_en = format_number(n, "en")
    outcome_da = specification.outcome_label("da")
    outcome_en = specification.outcome_label("en")
    citizens_da = "tidligere borger" if n == 1 else "tidligere borgere"
    citizens_en = "past citizen" if n == 1 else "past citizens"
    da = (
        f"Tallet er et statistisk skøn ud fra {count_da} {citizens_da} med lignende "
        "oplysninger. Det er ikke en afgørelse og siger intet om personen. "
    )
    en = (
        f"The figure is a statistical estimate based on {count_en} {citizens_en} with "
        "similar information. It is not a decision and says nothing about the person. "
    )
    if n == 0 or p <= 0.0 or p >= 1.0:
        everyone_da, everyone_en = ("ingen", "none") if p <= 0.0 else ("alle", "all")
        da += (
            f"I samme gruppe gjaldt »{outcome_da}« for {everyone_da} af dem; det er ingen "
            "garanti for, hvordan det går denne gang."
        )
        en += (
            f"In the same group, “{outcome_en}” applied to {everyone_en} of them; that is "
            "no guarantee of how it will go this time."
        )
        return da, en
    if p >= 0.5:
        every = int(math.floor(1.0 / (1.0 - p) + 0.5))
        applied_da, applied_en = "ikke", "did not apply"
    else:
        every = int(math.floor(1.0 / p + 0.5))
        applied_da, applied_en = "alligevel", "applied after all"
    da += (
        f"Blandt tidligere borgere i samme gruppe gik det for 1 af {every} anderledes end "
        f"skønnet: for dem gjaldt »{outcome_da}« {applied_da}."
    )
    en += (
        f"Among past citizens in the same group, 1 in {every} went the other way: for "
        f"them, “{outcome_en}” {applied_en}."
    )
    return da, en


# -- Explaining one citizen --------------------------------------------------------------


def _not_scorable(missing: list[tuple]) -> NotScorable:
    names = tuple(required[0] for required in missing)
    labels_da = ", ".join(required[1] for required in missing)
    labels_en = ", ".join(required[2] for required in missing)
    if len(missing) == 1:
        missing_da = f"denne oplysning mangler: {labels_da}"
    else:
        missing_da = f"disse oplysninger mangler: {labels_da}"
    message_da = f"Der kan ikke beregnes et skøn, fordi {missing_da}."
    message_en = f"No estimate can be calculated because this information is missing: {labels_en}."
    return NotScorable(missing=names, message_da=message_da, message_en=message_en)


def explain(
    *,
    compiled: CompiledTree,
    inputs: Mapping[str, Any],
    band_cutoffs=DEFAULT_BAND_CUTOFFS,
    base_rate: float,
) -> Explanation | NotScorable:
    """Score one citizen and say why, in both languages.

    ``inputs`` are values parsed by ``Feature.parse_value`` (float, str, bool or None).
    A required input that is None, NaN, absent or (categorical) not a known category
    gives ``NotScorable``; a missing optional input
    follows the direction the tree learned for missing values, and its rule says the
    information is missing. Comparisons follow scikit-learn: a value goes left when
    ``value <= threshold`` (in single precision, as the tree compares).
    """
    get = inputs.get
    missing = []
    for required in compiled._required:
        value = get(required[0])
        if (
            value is None
            or value != value
            or (required[3] is not None and value not in required[3])
        ):
            missing.append(required)
    if missing:
        return _not_scorable(missing)

    features, thresholds, lefts, rights, missing_left, info = compiled._walk
    steps = compiled._steps
    float32 = np.float32
    rules = []
    node = 0
    j = features[0]
    while j >= 0:
        name, kind, ranks, integer = info[j]
        value = get(name)
        step = steps[node]
        if value is None or value != value:
            x = math.nan
        elif kind == "categorical":
            x = ranks.get(value, math.nan)
        elif kind == "boolean":
            x = 1.0 if value else 0.0
        else:
            x = float(float32(value))
        if x != x:
            rules.append(step[4])
            node = lefts[node] if missing_left[node] else rights[node]
        elif x <= thresholds[node]:
            rules.append(step[0] if not integer or x.is_integer() else step[2])
            node = lefts[node]
        else:
            rules.append(step[1] if not integer or x.is_integer() else step[3])
            node = rights[node]
        j = features[node]

    probability, n, positives, interval, meaning_da, meaning_en = compiled._leaves[node]
    return Explanation(
        probability=probability,
        band=risk_band(probability, band_cutoffs),
        interval=interval,
        leaf_id=node,
        leaf_n=n,
        leaf_positives=positives,
        base_rate=float(base_rate),
        rules=tuple(rules),
        meaning_da=meaning_da,
        meaning_en=meaning_en,
        merged=merge_rules(rules, compiled.specification),
    )


def tree_rules(*, compiled: CompiledTree, band_cutoffs=DEFAULT_BAND_CUTOFFS) -> list[LeafRules]:
    """The whole tree as readable rules: every leaf once, with the conditions that lead
    there, highest estimated risk first (ties: the larger group first, then leaf id).
    A condition on an optional input says on which side a missing value goes."""
    features, _, lefts, rights, _, _ = compiled._walk
    steps = compiled._steps
    result: list[LeafRules] = []
    stack: list[tuple[int, tuple[Rule, ...]]] = [(0, ())]
    while stack:
        node, path = stack.pop()
        if features[node] < 0:
            probability, n, positives, interval, _, _ = compiled._leaves[node]
            result.append(
                LeafRules(
                    leaf_id=node,
                    n=n,
                    probability=probability,
                    band=risk_band(probability, band_cutoffs),
                    conditions=merge_rules(path, compiled.specification),
                    positives=positives,
                    interval=interval,
                    steps=path,
                )
            )
            continue
        step = steps[node]
        stack.append((rights[node], (*path, step[6])))
        stack.append((lefts[node], (*path, step[5])))
    result.sort(key=lambda leaf: (-leaf.probability, -leaf.n, leaf.leaf_id))
    return result
