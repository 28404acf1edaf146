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

from prediction.bootstrap import CI_LEVEL, N_BOOT
from prediction.metrics import quality_gate

__all__ = ["INTENDED_USE", "NOT_FOR", "UNCERTAINTY", "card_quality_gate", "model_card_build"]

#: How the card's intervals are computed, in words (shown on the card).
UNCERTAINTY = {
    "da": (
        "Alle tal for modellens kvalitet er målt på testdelen: borgere, modellen ikke "
        "har lært af. Intervallerne er 95 %-intervaller fra en stratificeret bootstrap "
        "({n_boot} gentrækninger af testdelen, inden for hvert udfald og for grupperne "
        "inden for hver gruppe, fast startværdi); for basisraten og gættet på det mest "
        "almindelige udfald Wilson-intervallet. Jo færre testtilfælde, jo bredere "
        "interval."
    ),
    "en": (
        "Every quality figure is measured on the test part: citizens the model did not "
        "learn from. The intervals are 95 % intervals from a stratified bootstrap "
        "({n_boot} resamples of the test part, within each outcome class, and for the "
        "groups within each group, with a fixed seed); for the base rate and the "
        "majority guess the Wilson score interval. The fewer the test cases, the wider "
        "the interval."
    ),
}

#: Fewer test cases than this are named as a likely cause of an uninformative version.
FEW_TEST_CASES = 500
#: A reference model's AUC at most this suggests the inputs carry little signal.
NO_SIGNAL_AUC = 0.55

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
            "cv_auc_min": result.chosen.get("cv_auc_min"),
            "cv_auc_max": result.chosen.get("cv_auc_max"),
            "cv_auc_sd": result.chosen.get("cv_auc_sd"),
            "table": result.chosen["cv_table"],
        },
        "uncertainty": {
            "level": CI_LEVEL,
            "method": result.metrics.get("interval_method"),
            "n_boot": result.metrics.get("n_boot", N_BOOT),
            "seed": parameters.seed,
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


def _cause(code: str, text_da: str, text_en: str) -> dict:
    return {"code": code, "text_da": text_da, "text_en": text_en}


def _likely_causes(card: Mapping) -> list[dict]:
    """Why a version may be no better than a guess, for the analyst."""
    data, tree = card.get("data") or {}, card.get("tree") or {}
    reference = card.get("reference") or {}
    causes = []
    n_test, n_train = data.get("n_test"), data.get("n_train")
    if n_test is not None and n_test < FEW_TEST_CASES:
        causes.append(
            _cause(
                "few_cases",
                f"For få tilfælde: testdelen har kun {n_test} borgere (træningsdelen "
                f"{n_train}), så selv en god model kan ikke skelnes fra et gæt.",
                f"Too few cases: the test part holds only {n_test} citizens (the training "
                f"part {n_train}), so even a good model cannot be told from a guess.",
            )
        )
    reference_auc = reference.get("auc")
    if reference_auc is not None and reference_auc <= NO_SIGNAL_AUC:
        causes.append(
            _cause(
                "no_signal",
                f"Oplysninger uden signal: heller ikke den langt mere fleksible "
                f"referencemodel (gradient boosting) når længere end en AUC på "
                f"{reference_auc:.2f}; oplysningerne siger næsten intet om udfaldet.",
                f"Inputs without signal: even the far more flexible reference model "
                f"(gradient boosting) reaches an AUC of only {reference_auc:.2f}; the inputs "
                "say almost nothing about the outcome.",
            )
        )
    if tree.get("leaves") == 1:
        causes.append(
            _cause(
                "no_split",
                "Træet fandt ingen opdeling, der var værd at lave: alle får samme skøn.",
                "The tree found no split worth making: everyone gets the same estimate.",
            )
        )
    base_rate = data.get("base_rate")
    if base_rate is not None and not 0.1 <= base_rate <= 0.9:
        causes.append(
            _cause(
                "rare_outcome",
                "Udfaldet er sjældent (eller næsten altid det samme), så det er svært at "
                "ramme rigtigt oftere end ved altid at gætte på det almindelige.",
                "The outcome is rare (or nearly always the same), so it is hard to be right "
                "more often than by always guessing the common outcome.",
            )
        )
    return causes


def card_quality_gate(card: Mapping | None, *, gap_threshold: float) -> dict:
    """:func:`prediction.metrics.quality_gate` for a stored model card (old cards
    without intervals included), plus ``causes``: the likely causes the analyst sees when
    the version is not better than a guess (``few_cases``, ``no_signal``, ``no_split``,
    ``rare_outcome``), and ``gap_threshold``."""
    card = card or {}
    gate = quality_gate(
        metrics=card.get("metrics") or {},
        differences=card.get("group_differences") or {},
        gap_threshold=gap_threshold,
    )
    gate["gap_threshold"] = float(gap_threshold)
    gate["causes"] = [] if gate["better_than_guess"] else _likely_causes(card)
    return gate
