"""The model card: what a trained model is, what it is for, and how good it is.

Pure Python: no Django, no database. :func:`model_card_build` turns a
:class:`~prediction.training.TrainingResult` into a JSON-serialisable dict (only ``str``,
``int``, ``float``, ``bool``, ``None``, ``list`` and ``dict``) that is stored with the
model version and shown to caseworkers, managers, the DPO and, on request, citizens.
"""

from __future__ import annotations

import datetime
import math
import platform
from collections.abc import Mapping
from typing import Any

import numpy as np
import sklearn

__all__ = ["INTENDED_USE", "NOT_FOR", "model_card_build"]

INTENDED_USE = {
    "da": (
        "Modellen giver baggrundsviden til sagsbehandlerens samtale med borgeren efter "
        "2. samtale i et ledighedsforløb: et skøn over, hvor stor en andel af tidligere "
        "borgere i en lignende situation der stadig var ledige 12 måneder senere, og "
        "hvilke oplysninger skønnet bygger på. Sagsbehandleren vurderer selv sagen og "
        "registrerer sin faglige vurdering ved siden af skønnet; sagsbehandleren kan "
        "altid være uenig. Ledelsen kan se samlede tal, aldrig tal for den enkelte "
        "sagsbehandler."
    ),
    "en": (
        "The model gives background information for the caseworker's conversation with "
        "the citizen after the 2nd meeting in an unemployment spell: an estimate of how "
        "many past citizens in a similar situation were still unemployed 12 months later, "
        "and which information the estimate rests on. The caseworker makes their own "
        "assessment and records their professional judgement beside the estimate; the "
        "caseworker can always disagree. Management sees aggregate figures, never figures "
        "for an individual caseworker."
    ),
}

NOT_FOR = {
    "da": (
        "Skønnet er ikke en afgørelse og ikke en anbefaling af en afgørelse. Det siger "
        "intet om et menneskes værd, evner eller vilje. Det må ikke bruges til at sætte "
        "ydelser ned, til sanktioner, til at afvise eller prioritere borgere efter køn, "
        "herkomst, bopæl eller andre beskyttede forhold, eller til at kontrollere eller "
        "rangordne sagsbehandlere. Det må ikke beregnes eller vises for en borger, der "
        "har gjort indsigelse mod profilering."
    ),
    "en": (
        "The estimate is not a decision and not a recommendation of a decision. It says "
        "nothing about a person's worth, abilities or willingness. It must not be used to "
        "reduce benefits, to impose sanctions, to turn citizens away or prioritise them by "
        "gender, origin, residence or any other protected characteristic, or to monitor "
        "or rank caseworkers. It must not be computed or shown for a citizen who has "
        "objected to profiling."
    ),
}


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready plain Python: numpy scalars become ``int``/``float``,
    NaN and infinities ``None``, tuples lists, dates ISO strings, keys strings."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot put {type(value).__name__} in a model card")


def model_card_build(
    *,
    specification,
    result,
    trained_by: str,
    trained_at: datetime.datetime,
    version_number: int,
) -> dict:
    """The model card of ``result`` (a :class:`~prediction.training.TrainingResult`)
    trained on ``specification``; see the module docstring."""
    parameters = result.parameters
    split = result.split
    estimator = result.pipeline.named_steps["tree"]
    low, high = parameters.band_cutoffs
    card = {
        "version": int(version_number),
        "specification": {
            "name": specification.name,
            "version": specification.version,
            "title_da": specification.title_da,
            "title_en": specification.title_en,
        },
        "outcome": {
            "label_da": specification.outcome_label_da,
            "label_en": specification.outcome_label_en,
        },
        "intended_use": dict(INTENDED_USE),
        "not_for": dict(NOT_FOR),
        "data": {
            "n_train": split["n_train"],
            "n_test": split["n_test"],
            "base_rate": result.base_rate,
            "data_from": split["data_from"],
            "data_to": split["data_to"],
            "test_from": split["test_from"],
            "split_method": split["method"],
        },
        "metrics": result.metrics,
        "calibration": result.calibration,
        "groups": result.groups,
        "group_differences": result.group_differences,
        "reference": result.reference,
        "tree": {
            "depth": result.tree["depth"],
            "leaves": result.tree["leaves"],
            "max_depth": result.chosen["max_depth"],
            "min_samples_leaf": result.chosen["min_samples_leaf"],
            "leaf_floor": parameters.leaf_floor,
            "criterion": estimator.criterion,
        },
        "cross_validation": {
            "folds": parameters.cv_folds,
            "cv_auc": result.chosen["cv_auc"],
            "table": result.chosen["cv_table"],
        },
        "inputs": [
            {
                "name": feature.name,
                "type": feature.type,
                "label_da": feature.label_da,
                "label_en": feature.label_en,
            }
            for feature in specification.inputs
        ],
        "protected": [
            {"name": feature.name, "label_da": feature.label_da, "label_en": feature.label_en}
            for feature in specification.protected
        ],
        "parameters": parameters.to_dict(),
        "bands": {"low_below": low, "high_from": high},
        "software": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": _version("pandas"),
            "fairlearn": _version("fairlearn"),
            "python": platform.python_version(),
        },
        "trained_by": trained_by,
        "trained_at": trained_at.isoformat(),
    }
    return _plain(card)


def _version(module: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:  # pragma: no cover
        return None
