"""Training and evaluating the decision tree: the pure core of the prediction engine.

No Django, no database: :func:`model_fit` takes a :class:`~prediction.frames.Frame` and
returns a :class:`TrainingResult` that the caller saves (artefact, model card, ...).

What happens, in order:

1. **Split** (:func:`split_frame`). When every record has an as-of date, the newest
   ``test_fraction`` of the records is held out (records on the cut-off date all go to the
   test part, so nothing in the training part is as new as anything tested): the model is
   judged the way it will be used, on citizens who come after the ones it learned from.
   Without dates, a stratified random split (``seed``).
2. **Choosing the tree's size** by stratified K-fold cross-validation (ROC AUC) on the
   training part only. The grid is ``max_depths`` x ``leaf_floor * leaf_multipliers``;
   ``min_samples_leaf`` is never below ``leaf_floor``, so every rule rests on at least
   that many past cases. The encoder is fitted on each fold's own training cases (the
   categorical ranks use outcome rates; fitting them on the validation cases would leak).
   A tree grown depth-first chooses each split from its node's own cases only, so the
   tree of depth *d* is the deepest tree cut at depth *d*: one tree per fold and leaf
   size scores every depth (ties between equally good splits aside, which can only break
   differently). Mean AUCs within ``AUC_TOLERANCE`` of the best count as equal, and the
   simplest of them wins (smallest depth, then largest leaves): a smaller tree is easier
   to read and explain to a citizen.
3. **Final fit** of the encoder and the tree on the whole training part: this pipeline
   is the artefact the model card describes.
4. **Evaluation** on the held-out part: overall metrics at ``band_cutoffs[1]``,
   calibration, metrics per protected group, and a ``HistGradientBoostingClassifier``
   reference fitted on the same training part, showing what a far less readable model
   would gain.

Protected attributes are never inputs: only ``specification.inputs`` reach the pipeline.
Missing values stay NaN; scikit-learn's trees learn which side they go.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from prediction.encoding import CategoryRankEncoder, encoder_for
from prediction.frames import Frame
from prediction.metrics import (
    calibration_table,
    classification_intervals,
    classification_metrics,
    group_metrics,
)

__all__ = [
    "AUC_TOLERANCE",
    "REFERENCE_THREADS",
    "SAMPLE_SIZE",
    "TrainingDataError",
    "TrainingParameters",
    "TrainingResult",
    "model_fit",
    "split_frame",
]

#: Cross-validated AUCs this close to the best count as equally good.
AUC_TOLERANCE = 0.001
#: OpenMP threads for the reference model. Training shares a small server with the web
#: application and the database; with a busy core, OpenMP's threads wait for each other
#: and a 2-thread fit was measured 4x slower than a 1-thread one (800,000 rows, 2 cores).
REFERENCE_THREADS = 1
#: Rows of the training inputs kept with the result for drift monitoring.
SAMPLE_SIZE = 20_000
#: How many times ``leaf_floor`` the data must hold at least.
MIN_RECORDS_PER_LEAF_FLOOR = 10

Progress = Callable[[int, str], None]


class TrainingDataError(ValueError):
    """The data cannot train a model; the message says why in plain words."""


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _int_tuple(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise ValueError(f"{name} must be a list of whole numbers, got {value!r}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    items = tuple(_positive_int(f"{name}[{i}]", item) for i, item in enumerate(value))
    if len(set(items)) != len(items):
        raise ValueError(f"{name} must not list a value twice, got {list(items)}")
    return items


def _fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not (0.0 < value < 1.0):
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value}")
    return value


@dataclass(frozen=True)
class TrainingParameters:
    """How a model is trained. Validated on construction (``ValueError`` with the
    parameter's name and the reason)."""

    leaf_floor: int = 50  # no leaf rests on fewer past cases
    max_depths: tuple[int, ...] = (3, 4, 5, 6, 7, 8)
    leaf_multipliers: tuple[int, ...] = (1, 2, 4)  # min_samples_leaf = leaf_floor * m
    cv_folds: int = 3
    test_fraction: float = 0.2
    seed: int = 2026
    # low < band_cutoffs[0] <= medium < band_cutoffs[1] <= high; the classification
    # threshold for the metrics is band_cutoffs[1].
    band_cutoffs: tuple[float, float] = (0.3, 0.6)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "leaf_floor", _positive_int("leaf_floor", self.leaf_floor))
        set_(self, "max_depths", _int_tuple("max_depths", self.max_depths))
        set_(self, "leaf_multipliers", _int_tuple("leaf_multipliers", self.leaf_multipliers))
        set_(self, "cv_folds", _positive_int("cv_folds", self.cv_folds, minimum=2))
        set_(self, "test_fraction", _fraction("test_fraction", self.test_fraction))
        set_(self, "seed", _positive_int("seed", self.seed, minimum=0))
        cutoffs = self.band_cutoffs
        if isinstance(cutoffs, str | bytes) or not isinstance(cutoffs, list | tuple):
            raise ValueError(f"band_cutoffs must be two numbers, got {cutoffs!r}")
        if len(cutoffs) != 2:
            raise ValueError(f"band_cutoffs must be two numbers, got {len(cutoffs)}")
        low = _fraction("band_cutoffs[0]", cutoffs[0])
        high = _fraction("band_cutoffs[1]", cutoffs[1])
        if not low < high:
            raise ValueError(
                f"band_cutoffs must be increasing (0 < low < high < 1), got {low} and {high}"
            )
        set_(self, "band_cutoffs", (low, high))

    @property
    def threshold(self) -> float:
        """The probability from which a prediction counts as positive (the high band)."""
        return self.band_cutoffs[1]

    @property
    def leaf_sizes(self) -> tuple[int, ...]:
        return tuple(sorted({self.leaf_floor * m for m in self.leaf_multipliers}))

    def to_dict(self) -> dict:
        """JSON-ready (tuples become lists); round-trips through :meth:`from_dict`."""
        return {
            "leaf_floor": self.leaf_floor,
            "max_depths": list(self.max_depths),
            "leaf_multipliers": list(self.leaf_multipliers),
            "cv_folds": self.cv_folds,
            "test_fraction": self.test_fraction,
            "seed": self.seed,
            "band_cutoffs": list(self.band_cutoffs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TrainingParameters:
        """Parameters from a dict (e.g. JSON); missing keys take their defaults, unknown
        keys are an error."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"training parameters must be a mapping, got {data!r}")
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(
                f"unknown training parameter(s): {', '.join(unknown)} (known: {', '.join(known)})"
            )
        return cls(**dict(data))


@dataclass
class TrainingResult:
    """Everything training produced; see the module docstring."""

    pipeline: Pipeline  # ("encode", CategoryRankEncoder), ("tree", DecisionTreeClassifier)
    parameters: TrainingParameters
    chosen: dict
    split: dict
    base_rate: float
    metrics: dict
    calibration: list[dict]
    groups: dict
    group_differences: dict
    reference: dict
    tree: dict
    training_inputs_sample: pd.DataFrame = field(repr=False)

    @property
    def encoder(self) -> CategoryRankEncoder:
        return self.pipeline.named_steps["encode"]

    @property
    def estimator(self) -> DecisionTreeClassifier:
        return self.pipeline.named_steps["tree"]


# -- Split -----------------------------------------------------------------------------


def _iso(value: np.datetime64 | None) -> str | None:
    if value is None or np.isnat(value):
        return None
    return str(np.datetime64(value, "D"))


def _time_cutoff(as_of: np.ndarray, test_fraction: float) -> np.datetime64:
    """The first date of the test part: the date of the newest ``test_fraction``'s
    oldest record."""
    n = len(as_of)
    n_test = max(1, math.ceil(n * test_fraction))
    ordered = np.sort(as_of)
    return ordered[n - n_test]


def split_frame(*, frame: Frame, parameters: TrainingParameters) -> tuple[np.ndarray, np.ndarray]:
    """Training and test positions (sorted ``int64`` arrays) into ``frame``.

    By time when every record has an as-of date: the newest ``test_fraction`` is held out
    and every record dated on or after the first test date is in the test part (so ties
    at the cut go to the test part, which can make it a little larger). Otherwise a
    stratified random split with ``parameters.seed``.
    """
    n = len(frame)
    positions = np.arange(n, dtype=np.int64)
    if n < 2:
        raise TrainingDataError(f"{n} record(s) cannot be split into a training and a test part")
    if frame.has_dates:
        cutoff = _time_cutoff(frame.as_of, parameters.test_fraction)
        is_test = frame.as_of >= cutoff
        return positions[~is_test], positions[is_test]
    y = frame.outcome
    stratify = y if np.bincount(y, minlength=2).min() >= 2 else None
    train, test = train_test_split(
        positions,
        test_size=parameters.test_fraction,
        random_state=parameters.seed,
        stratify=stratify,
    )
    return np.sort(train), np.sort(test)


def _split_summary(frame: Frame, train: np.ndarray, test: np.ndarray) -> dict:
    method = "time" if frame.has_dates else "stratified"
    data_from = data_to = test_from = None
    if frame.as_of is not None:
        dated = frame.as_of[~np.isnat(frame.as_of)]
        if len(dated):
            data_from, data_to = _iso(dated.min()), _iso(dated.max())
        if method == "time" and len(test):
            test_from = _iso(frame.as_of[test].min())
    return {
        "method": method,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "data_from": data_from,
        "data_to": data_to,
        "test_from": test_from,
    }


# -- Checks ----------------------------------------------------------------------------


def _check_data(frame: Frame, parameters: TrainingParameters) -> None:
    n = len(frame)
    needed = MIN_RECORDS_PER_LEAF_FLOOR * parameters.leaf_floor
    if n < needed:
        raise TrainingDataError(
            f"too few records to train: {n}, at least {needed} are needed "
            f"({MIN_RECORDS_PER_LEAF_FLOOR} x the leaf floor of {parameters.leaf_floor} "
            "past cases per rule)"
        )
    positives = int(frame.outcome.sum())
    if positives == 0 or positives == n:
        which = "still unemployed" if positives else "not unemployed"
        raise TrainingDataError(
            f"every one of the {n} records has the same outcome ({which} after 12 months); "
            "a model needs both outcomes to learn from"
        )
    if not frame.inputs.columns.size:
        raise TrainingDataError("the specification names no model inputs")


def _check_training_part(y_train: np.ndarray, y_test: np.ndarray, parameters, split) -> None:
    if len(y_train) == 0:
        raise TrainingDataError(
            "the split by date left no records for training: every record is dated on or "
            f"after {split['test_from']}, the first date of the newest "
            f"{parameters.test_fraction:.0%}; records from earlier dates are needed (check "
            "the as-of dates)"
        )
    counts = np.bincount(y_train, minlength=2)
    if counts.min() < parameters.cv_folds:
        missing = "still unemployed" if counts[1] < counts[0] else "not unemployed"
        raise TrainingDataError(
            f"the training part has only {int(counts.min())} record(s) with the outcome "
            f"'{missing}'; cross-validation with {parameters.cv_folds} folds needs at "
            f"least {parameters.cv_folds}"
        )
    if len(y_test) == 0:  # pragma: no cover - the split always holds out a record
        raise TrainingDataError("the split left no records for testing")


# -- Cross-validation ------------------------------------------------------------------


class _PreEncoded:
    """The training part's inputs, encoded once as far as that is leak-free.

    Numeric and boolean inputs do not depend on the outcome, so they are encoded once;
    a categorical input is kept as integer codes (its position in the specification's
    values, -1 when missing) and turned into ranks per fold with that fold's fitted
    encoder, by an array lookup.
    """

    def __init__(self, specification, inputs: pd.DataFrame) -> None:
        self.specification = specification
        self.inputs = inputs
        features = specification.inputs
        self.matrix = np.empty((len(inputs), len(features)), dtype=np.float64)
        self.codes: dict[int, np.ndarray] = {}
        for j, feature in enumerate(features):
            column = inputs[feature.name]
            if feature.type == "categorical":
                lookup = {value: code for code, value in enumerate(feature.values)}
                self.codes[j] = column.map(lookup).fillna(-1).to_numpy(np.int64)
                self.matrix[:, j] = np.nan
            elif feature.type == "boolean":
                self.matrix[:, j] = column.map({True: 1.0, False: 0.0}).to_numpy(np.float64)
            else:
                self.matrix[:, j] = pd.to_numeric(column, errors="coerce").to_numpy(np.float64)

    def fold(self, fit_rows: np.ndarray, y_fit: np.ndarray, rows: list[np.ndarray]):
        """Fit an encoder on ``fit_rows`` and return the encoded matrices of ``rows``."""
        features = self.specification.inputs
        categorical = [feature.name for feature in features if feature.type == "categorical"]
        encoder = encoder_for(self.specification)
        if categorical:
            # Only the categorical columns matter for the ranks; pass them alone.
            encoder = encoder.set_params(
                columns=tuple(categorical),
                kinds=("categorical",) * len(categorical),
            )
            encoder.fit(self.inputs[categorical].iloc[fit_rows], y_fit)
        out = []
        for selected in rows:
            matrix = self.matrix[selected]
            for j, codes in self.codes.items():
                feature = features[j]
                order = encoder.categories_[feature.name]
                rank_of = np.array(
                    [float(order.index(value)) for value in feature.values] + [math.nan]
                )
                matrix[:, j] = rank_of[codes[selected]]  # code -1 picks the NaN
            out.append(matrix)
        return out


def _nodes_by_depth(model: DecisionTreeClassifier, X: np.ndarray, depths) -> dict:
    """Each row's node in ``model`` cut at each of ``depths``: the ancestor at that depth
    of the row's leaf, or the leaf itself when its path is shorter. One ``apply`` down
    the tree, then a lookup table per depth over the tree's few nodes."""
    tree = model.tree_
    count = tree.node_count
    parent = np.full(count, -1, dtype=np.intp)
    node_depth = np.zeros(count, dtype=np.intp)
    left, right = tree.children_left, tree.children_right
    for node in range(count):  # a child's id is larger than its parent's
        for child in (left[node], right[node]):
            if child >= 0:
                parent[child] = node
                node_depth[child] = node_depth[node] + 1
    leaves = model.apply(X)
    result = {}
    for depth in depths:
        ancestor = np.arange(count)
        while True:
            deeper = node_depth[ancestor] > depth
            if not deeper.any():
                break
            ancestor = np.where(deeper, parent[ancestor], ancestor)
        result[depth] = ancestor[leaves]
    return result


def _node_positive_rates(model: DecisionTreeClassifier) -> np.ndarray:
    value = model.tree_.value[:, 0, :]
    return value[:, 1] / value.sum(axis=1)


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    if len(y) == 0 or np.all(y == y[0]):
        return math.nan
    return float(roc_auc_score(y, p))


def _auc_of_tree_cut(y: np.ndarray, nodes: np.ndarray, node_rates: np.ndarray) -> float:
    """ROC AUC of a tree's scores, equal to ``roc_auc_score`` (ties count half): a row's
    score is its node's rate, so the rows are counted per node (one ``bincount``), the
    nodes grouped by equal rate, and the Mann-Whitney sum runs over those few groups
    instead of sorting every row. The cross-validation scores dozens of cut trees on
    hundreds of thousands of rows."""
    if len(y) == 0 or np.all(y == y[0]):
        return math.nan
    per_node_positives = np.bincount(nodes, weights=y, minlength=len(node_rates))
    per_node_rows = np.bincount(nodes, minlength=len(node_rates))
    used = np.flatnonzero(per_node_rows)
    values, group = np.unique(node_rates[used], return_inverse=True)
    positives = np.bincount(group, weights=per_node_positives[used], minlength=len(values))
    negatives = np.bincount(group, weights=per_node_rows[used], minlength=len(values)) - positives
    # For each group: negatives in it x (positives scored higher + half the tied ones).
    higher = positives[::-1].cumsum()[::-1] - positives
    pairs = float(negatives @ (higher + positives / 2))
    return pairs / (float(positives.sum()) * float(negatives.sum()))


def _cross_validate(
    encoded: _PreEncoded,
    y: np.ndarray,
    parameters: TrainingParameters,
    progress: Progress,
) -> dict:
    depths = sorted(parameters.max_depths)
    leaf_sizes = parameters.leaf_sizes
    folds = StratifiedKFold(
        n_splits=parameters.cv_folds, shuffle=True, random_state=parameters.seed
    )
    scores: dict[tuple[int, int], list[float]] = {
        (depth, leaf): [] for depth in depths for leaf in leaf_sizes
    }
    steps = parameters.cv_folds * len(leaf_sizes)
    step = 0
    for fold, (fit_rows, check_rows) in enumerate(folds.split(np.zeros(len(y)), y), start=1):
        X_fit, X_check = encoded.fold(fit_rows, y[fit_rows], [fit_rows, check_rows])
        y_fit, y_check = y[fit_rows], y[check_rows]
        for leaf in leaf_sizes:
            model = DecisionTreeClassifier(
                max_depth=max(depths), min_samples_leaf=leaf, random_state=parameters.seed
            ).fit(X_fit, y_fit)
            rates = _node_positive_rates(model)
            for depth, nodes in _nodes_by_depth(model, X_check, depths).items():
                scores[(depth, leaf)].append(_auc_of_tree_cut(y_check, nodes, rates))
            step += 1
            progress(
                10 + round(60 * step / steps),
                f"cross-validation: fold {fold} of {parameters.cv_folds}, leaves of at "
                f"least {leaf} cases",
            )
    table = []
    for (depth, leaf), values in scores.items():
        finite_values = [value for value in values if math.isfinite(value)]
        mean = float(np.mean(finite_values)) if finite_values else math.nan
        table.append(
            {
                "max_depth": depth,
                "min_samples_leaf": leaf,
                "mean_auc": mean,
                # The spread across folds, not only the mean (issue 10).
                "fold_aucs": [value if math.isfinite(value) else None for value in values],
                "min_auc": min(finite_values) if finite_values else None,
                "max_auc": max(finite_values) if finite_values else None,
                "sd_auc": float(np.std(finite_values, ddof=1)) if len(finite_values) > 1 else None,
            }
        )
    finite = [row for row in table if math.isfinite(row["mean_auc"])]
    if not finite:
        raise TrainingDataError(
            "cross-validation could not measure any model: a validation fold held only one "
            "outcome; more records with each outcome are needed"
        )
    best = max(row["mean_auc"] for row in finite)
    good = [row for row in finite if row["mean_auc"] >= best - AUC_TOLERANCE]
    chosen = min(good, key=lambda row: (row["max_depth"], -row["min_samples_leaf"]))
    for row in table:
        if not math.isfinite(row["mean_auc"]):
            row["mean_auc"] = None
    return {
        "max_depth": int(chosen["max_depth"]),
        "min_samples_leaf": int(chosen["min_samples_leaf"]),
        "cv_auc": float(chosen["mean_auc"]),
        "cv_auc_min": chosen["min_auc"],
        "cv_auc_max": chosen["max_auc"],
        "cv_auc_sd": chosen["sd_auc"],
        "cv_table": table,
    }


# -- Training --------------------------------------------------------------------------


def _no_progress(percent: int, message: str) -> None:
    return None


def model_fit(
    *,
    specification,
    frame: Frame,
    parameters: TrainingParameters | None = None,
    progress: Progress | None = None,
) -> TrainingResult:
    """Split, choose the tree's size by cross-validation, fit, evaluate (see the module
    docstring). ``progress(percent, message)`` is called at each stage. Raises
    :class:`TrainingDataError` when the data cannot train a model."""
    parameters = parameters or TrainingParameters()
    report = progress or _no_progress
    names = [feature.name for feature in specification.inputs]
    if list(frame.inputs.columns) != names:
        raise ValueError(
            "the frame's inputs do not match the specification's: "
            f"{list(frame.inputs.columns)} != {names}"
        )
    _check_data(frame, parameters)

    report(5, "splitting the records into a training and a test part")
    train, test = split_frame(frame=frame, parameters=parameters)
    y_train, y_test = frame.outcome[train], frame.outcome[test]
    split = _split_summary(frame, train, test)
    _check_training_part(y_train, y_test, parameters, split)

    train_inputs = frame.inputs.iloc[train].reset_index(drop=True)
    encoded = _PreEncoded(specification, train_inputs)
    report(10, "cross-validation")
    chosen = _cross_validate(encoded, y_train, parameters, report)

    report(80, "fitting the final tree on the whole training part")
    encoder = encoder_for(specification).fit(train_inputs, y_train)
    X_train = encoder.transform(train_inputs)
    test_inputs = frame.inputs.iloc[test].reset_index(drop=True)
    X_test = encoder.transform(test_inputs)
    estimator = DecisionTreeClassifier(
        max_depth=chosen["max_depth"],
        min_samples_leaf=chosen["min_samples_leaf"],
        random_state=parameters.seed,
    ).fit(X_train, y_train)
    # Both steps are fitted; the pipeline is assembled from them so the training part is
    # encoded once (its transform is reused for the reference model).
    pipeline = Pipeline([("encode", encoder), ("tree", estimator)])

    probability = estimator.predict_proba(X_test)[:, list(estimator.classes_).index(1)]
    threshold = parameters.threshold
    metrics = classification_metrics(y_true=y_test, probability=probability, threshold=threshold)
    metrics |= classification_intervals(
        y_true=y_test, probability=probability, threshold=threshold, seed=parameters.seed
    )
    calibration = calibration_table(y_true=y_test, probability=probability)
    groups, differences = group_metrics(
        y_true=y_test,
        probability=probability,
        threshold=threshold,
        protected=frame.protected.iloc[test].reset_index(drop=True),
        seed=parameters.seed,
    )

    report(90, "fitting the reference model (gradient boosting)")
    reference_model = HistGradientBoostingClassifier(random_state=parameters.seed)
    with threadpool_limits(limits=REFERENCE_THREADS):
        reference_model.fit(X_train, y_train)
        reference_auc = _auc(y_test, reference_model.predict_proba(X_test)[:, 1])
    tree_auc = metrics["auc"]
    reference = {
        "model": "HistGradientBoostingClassifier",
        "auc": reference_auc if math.isfinite(reference_auc) else None,
        "auc_gap": (
            reference_auc - tree_auc
            if math.isfinite(reference_auc) and tree_auc is not None
            else None
        ),
    }

    rng = np.random.default_rng(parameters.seed)
    if len(train_inputs) > SAMPLE_SIZE:
        rows = np.sort(rng.choice(len(train_inputs), size=SAMPLE_SIZE, replace=False))
        sample = train_inputs.iloc[rows].reset_index(drop=True)
    else:
        sample = train_inputs.copy()

    result = TrainingResult(
        pipeline=pipeline,
        parameters=parameters,
        chosen=chosen,
        split=split,
        base_rate=float(y_train.mean()),
        metrics=metrics,
        calibration=calibration,
        groups=groups,
        group_differences=differences,
        reference=reference,
        tree={"depth": int(estimator.get_depth()), "leaves": int(estimator.get_n_leaves())},
        training_inputs_sample=sample,
    )
    report(100, "done")
    return result
