"""Turns a specification's inputs into the numbers a decision tree splits on, so that
every split reads back as a plain rule.

- numeric inputs stay as they are;
- boolean inputs become 0.0 / 1.0;
- a categorical input becomes its category's *rank* by the training data's outcome rate
  (0 = the category with the lowest rate). A split ``rank <= 2.5`` then means "the
  category is one of the three with the lowest rates", which reads back as
  "highest education is one of: primary school, upper secondary" rather than
  "education_3 <= 0.5". Rates are smoothed towards the overall rate so a rare category
  does not jump to an end of the order; a category the training data never saw gets the
  overall rate.
- a missing value is NaN; scikit-learn's tree sends it down the side it learned.

The encoder is a scikit-learn transformer (it lives inside the saved ``Pipeline``) and is
listed among the types trusted when an artefact is loaded (``prediction.artifacts``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

SMOOTHING = 20.0  # pseudo-cases of the overall rate added to each category's rate


class CategoryRankEncoder(TransformerMixin, BaseEstimator):
    """``columns``: the input names in order; ``kinds``: their types
    (``numeric`` | ``boolean`` | ``categorical``); ``values``: for each categorical
    input, the specification's allowed values."""

    def __init__(self, columns=(), kinds=(), values=None):
        self.columns = columns
        self.kinds = kinds
        self.values = values

    def fit(self, X: pd.DataFrame, y=None):
        target = np.asarray(y, dtype=float)
        overall = float(target.mean()) if len(target) else 0.5
        self.categories_: dict[str, list[str]] = {}
        self.category_rates_: dict[str, dict[str, float]] = {}
        # Numeric inputs whose training values are all whole numbers: a split at 29.5
        # then reads "at most 29" instead of "at most 29.5".
        self.integer_valued_: dict[str, bool] = {}
        for name, kind in zip(self.columns, self.kinds, strict=True):
            if kind == "numeric":
                numbers = pd.to_numeric(X[name], errors="coerce").dropna().to_numpy(float)
                self.integer_valued_[name] = bool(np.all(numbers == np.floor(numbers)))
            if kind != "categorical":
                continue
            allowed = list((self.values or {}).get(name, ()))
            column = X[name].astype(object)
            frame = pd.DataFrame({"value": column, "y": target}).dropna(subset=["value"])
            stats = frame.groupby("value", sort=False)["y"].agg(["sum", "count"])
            rates = {}
            for value in allowed or list(stats.index):
                positives, count = (
                    (float(stats.at[value, "sum"]), float(stats.at[value, "count"]))
                    if value in stats.index
                    else (0.0, 0.0)
                )
                rates[value] = (positives + SMOOTHING * overall) / (count + SMOOTHING)
            # Ties keep the specification's order, so the encoding is deterministic.
            order = sorted(
                rates,
                key=lambda value: (
                    rates[value],
                    allowed.index(value) if value in allowed else math.inf,
                ),
            )
            self.categories_[name] = order
            self.category_rates_[name] = rates
        self.n_features_in_ = len(self.columns)
        self.feature_names_out_ = np.asarray(list(self.columns), dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(X), len(self.columns)), dtype=np.float64)
        for j, (name, kind) in enumerate(zip(self.columns, self.kinds, strict=True)):
            column = X[name]
            if kind == "categorical":
                ranks = {value: float(rank) for rank, value in enumerate(self.categories_[name])}
                out[:, j] = column.map(ranks).astype(float).to_numpy()
            elif kind == "boolean":
                out[:, j] = column.map({True: 1.0, False: 0.0}).astype(float).to_numpy()
            else:
                out[:, j] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        return out

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_out_

    # -- Reading a split back --------------------------------------------------------

    def categories_at_or_below(self, name: str, threshold: float) -> list[str]:
        """The categories a split ``rank <= threshold`` sends left, in rank order."""
        return self.categories_[name][: int(math.floor(threshold)) + 1]

    def categories_above(self, name: str, threshold: float) -> list[str]:
        return self.categories_[name][int(math.floor(threshold)) + 1 :]

    def encode_row(self, values: dict) -> np.ndarray:
        """One citizen's inputs (already parsed by the specification) as a 1 x n row,
        without pandas: explanations and single scores use this."""
        row = np.empty(len(self.columns), dtype=np.float64)
        for j, (name, kind) in enumerate(zip(self.columns, self.kinds, strict=True)):
            value = values.get(name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                row[j] = math.nan
            elif kind == "categorical":
                try:
                    row[j] = float(self.categories_[name].index(value))
                except ValueError:
                    row[j] = math.nan
            else:
                row[j] = float(value)
        return row.reshape(1, -1)


def encoder_for(specification) -> CategoryRankEncoder:
    """An unfitted encoder for a specification's model inputs (never its protected
    attributes)."""
    inputs = specification.inputs
    return CategoryRankEncoder(
        columns=tuple(feature.name for feature in inputs),
        kinds=tuple(feature.type for feature in inputs),
        values={f.name: tuple(f.values) for f in inputs if f.type == "categorical"},
    )
