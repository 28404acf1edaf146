"""Synthetic history for any feature specification, for tests of the registry and the
commands: inputs drawn by type, an outcome that depends on the first inputs, and
protected attributes that do not."""

import datetime
import math
import pathlib

import numpy as np

from prediction.services import RecordIn, feature_spec_register, training_records_upsert

SPECS = pathlib.Path(__file__).parent / "specs"
REPO_SPECS = pathlib.Path(__file__).resolve().parents[2] / "prediction" / "specs"


def spec_register(path: pathlib.Path):
    return feature_spec_register(source_toml=path.read_text(encoding="utf-8"))


def synthetic_records(
    specification,
    *,
    n: int,
    seed: int = 7,
    start=datetime.date(2020, 1, 1),
    signal: float = 1.0,
):
    """``signal`` scales how much the inputs say about the outcome (0: nothing)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        inputs, score = {}, -0.5
        for k, feature in enumerate(specification.inputs):
            if feature.type == "numeric":
                low = feature.min if feature.min is not None else 0.0
                high = feature.max if feature.max is not None else 40.0
                value = float(rng.integers(int(low), int(high) + 1))
                score += (value - (low + high) / 2) / max(high - low, 1) * (3.0 if k < 3 else 0.3)
            elif feature.type == "boolean":
                value = bool(rng.random() < 0.5)
                score += (0.8 if value else -0.8) if k < 3 else 0.0
            else:
                j = int(rng.integers(len(feature.values)))
                value = feature.values[j]
                score += (j / max(len(feature.values) - 1, 1) - 0.5) * (2.5 if k < 3 else 0.2)
            if not feature.required and rng.random() < 0.05:
                value = None
            inputs[feature.name] = value
        protected = {
            feature.name: (
                feature.values[int(rng.integers(len(feature.values)))]
                if feature.values
                else str(int(rng.integers(1000, 9999)))
            )
            for feature in specification.protected
        }
        score = -0.5 + signal * (score + 0.5)
        outcome = bool(rng.random() < 1 / (1 + math.exp(-score)))
        as_of = (
            start + datetime.timedelta(days=int(i * 1500 / n))
            if specification.record_as_of
            else None
        )
        records.append(
            RecordIn(
                record_id=f"R{i:06d}",
                as_of=as_of,
                inputs=inputs,
                protected=protected,
                outcome=outcome,
            )
        )
    return records


def history_load(
    feature_spec, *, n: int = 2_000, seed: int = 7, signal: float = 1.0, jobcenter=None
):
    """Synthetic history into the training store of ``jobcenter`` (default: the
    personas' jobcenter)."""
    from tests.factories import default_jobcenter

    records = synthetic_records(feature_spec.specification, n=n, seed=seed, signal=signal)
    return training_records_upsert(
        specification=feature_spec,
        jobcenter_id=(jobcenter or default_jobcenter()).pk,
        records=records,
        source="import",
    )
