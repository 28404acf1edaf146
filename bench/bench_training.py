"""How long training takes on a municipality's whole history, and how much memory it needs.

    .venv/bin/python bench/bench_training.py [--records 1000000] [--repeat 1]
    .venv/bin/python bench/bench_training.py --records 100000 --no-database

Two measurements on the same synthetic history of the default specification
(``prediction/specs/default.toml``: ten inputs, three protected attributes, an as-of
date spread over about four years, and an outcome that depends on the inputs with
thresholds and an interaction, so the trees have something to find):

(a) **In memory.** ``prediction.training.model_fit`` with the default
    ``TrainingParameters`` on a ready ``Frame``; and, side by side, a *bare
    scikit-learn* run of the same fits on the same rows: the cross-validation's
    ``cv_folds x len(leaf_sizes)`` trees (one per fold and leaf size, grown to the
    deepest ``max_depths``, exactly as ``_cross_validate`` grows them), the final tree
    with the size ``model_fit`` chose, and the ``HistGradientBoostingClassifier``
    reference (with the same one-thread limit), on a numpy matrix encoded beforehand
    (not timed): no frames, no scoring of the folds, no metrics, no model card.
(b) **The whole path on PostgreSQL.** A throwaway database is created and migrated,
    the records are written to the training store with
    ``prediction.services.training_records_upsert`` (setup, timed separately), then a
    run is requested with ``training_run_request(enqueue=False)`` and
    ``training_run_execute`` is timed end to end: the fingerprint and the read of
    every record, the frame, the fit and evaluation, the artefact, the model card and
    the version's rows.

Every measurement runs in its own child process, which reports its wall time and its
peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``). The results go
to ``bench/results/training.json``; ``docs/performance.md`` summarises them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "training.json"
SEED = 2026
INSERT_CHUNK = 100_000  # records per training_records_upsert call (one transaction each)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CHILD_FLAG,
    DEFAULT_SERVER,
    django_env,
    django_setup,
    machine,
    migrate,
    peak_rss_mib,
    postgres_database,
    postgres_version,
    run_child,
    say,
    write_results,
)

# -- The synthetic history ----------------------------------------------------------------


def synthetic_columns(specification, n: int, seed: int = SEED) -> dict:
    """numpy columns of ``n`` records of the default specification, ordered by as-of date.

    Benefit type dominates the outcome; work history, search activity, education, a
    complete CV, availability and a driving licence matter too, age only from 58 and
    search activity mostly for social assistance (so the trees need thresholds and an
    interaction). Protected attributes are drawn with mild links to the inputs."""
    import numpy as np

    rng = np.random.default_rng(seed)
    benefit_values = specification.feature("benefit_type").values
    education_values = specification.feature("education").values
    industry_values = specification.feature("previous_industry").values
    benefit = rng.choice(len(benefit_values), n, p=[0.6, 0.15, 0.2, 0.05])
    education = rng.choice(len(education_values), n, p=[0.3, 0.1, 0.3, 0.08, 0.12, 0.1])
    industry = rng.integers(len(industry_values), size=n)
    age = rng.integers(18, 68, n).astype(np.float64)
    months = rng.integers(0, 37, n).astype(np.float64)
    spells = np.minimum(rng.poisson(1.2, n), 20).astype(np.float64)
    search = np.minimum(rng.poisson(8, n), 100).astype(np.float64)
    cv = rng.random(n) < 0.7
    cv_missing = rng.random(n) < 0.08
    part_time = rng.random(n) < 0.15
    licence = rng.random(n) < 0.75

    benefit_effect = np.array([-1.7, -0.3, 1.4, 0.2])[benefit]
    school_effect = np.array([0.5, 0.2, 0.0, -0.2, -0.4, -0.5])[education]
    industry_effect = np.linspace(-0.4, 0.4, len(industry_values))[
        rng.permutation(len(industry_values))
    ][industry]
    social_assistance = benefit != 0
    logit = (
        benefit_effect
        + school_effect
        + industry_effect
        + 0.9 * (age >= 58)
        - 0.04 * (months - 18)
        - 0.6 * (months >= 24)
        + 0.25 * spells
        - np.where(social_assistance, 0.08, 0.02) * (search - 8)
        - 0.3 * (cv & ~cv_missing)
        + 0.3 * part_time
        - 0.25 * licence
    )
    outcome = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))

    female = rng.random(n) < 0.48
    gender_missing = rng.random(n) < 0.01
    origin = np.where(
        rng.random(n) < np.where(education == 0, 0.25, 0.12),
        np.where(rng.random(n) < 0.35, 1, 2),
        0,
    )
    postal = rng.choice(8, n, p=[0.55, 0.08, 0.09, 0.08, 0.05, 0.05, 0.04, 0.06])
    days = (np.arange(n, dtype=np.int64) * 1500) // max(n, 1)
    as_of = np.datetime64("2020-01-01", "D") + days.astype("timedelta64[D]")
    return {
        "benefit": benefit,
        "education": education,
        "industry": industry,
        "age": age,
        "months": months,
        "spells": spells,
        "search": search,
        "cv": cv,
        "cv_missing": cv_missing,
        "part_time": part_time,
        "licence": licence,
        "outcome": outcome,
        "female": female,
        "gender_missing": gender_missing,
        "origin": origin,
        "postal": postal,
        "as_of": as_of,
        "n": n,
    }


def _objects(values) -> object:
    import numpy as np

    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _series(array, index):
    """An explicit dtype keeps object columns object (pandas 3 would infer its string
    dtype), as ``frame_from_records`` does."""
    import pandas as pd

    return pd.Series(array, index=index, dtype=array.dtype, copy=False)


def synthetic_frame(specification, columns: dict):
    """The ``Frame`` that ``frame_from_records`` would build from ``synthetic_records``,
    built directly from the columns (no million dicts; checked by ``frame_check``)."""
    import numpy as np
    import pandas as pd

    from prediction.frames import Frame

    n = columns["n"]
    index = pd.RangeIndex(n)

    def pick(feature: str, codes) -> np.ndarray:
        return np.asarray(specification.feature(feature).values, dtype=object)[codes]

    cv = _objects(columns["cv"].tolist())
    cv[columns["cv_missing"]] = None
    gender = np.where(columns["female"], "female", "male").astype(object)
    gender[columns["gender_missing"]] = None
    inputs = {
        "age": columns["age"],
        "education": pick("education", columns["education"]),
        "months_employed_3y": columns["months"],
        "spells_5y": columns["spells"],
        "previous_industry": pick("previous_industry", columns["industry"]),
        "benefit_type": pick("benefit_type", columns["benefit"]),
        "cv_complete": cv,
        "job_search_activity": columns["search"],
        "availability": np.where(columns["part_time"], "part_time", "full_time").astype(object),
        "driving_licence": _objects(columns["licence"].tolist()),
    }
    names = [feature.name for feature in specification.inputs]
    protected = {
        "gender": gender,
        "origin": pick("origin", columns["origin"]),
        "postal_code": pick("postal_code", columns["postal"]),
    }
    return Frame(
        inputs=pd.DataFrame(
            {name: _series(inputs[name], index) for name in names},
            index=index,
        ),
        outcome=columns["outcome"].astype(np.int8),
        as_of=columns["as_of"],
        protected=pd.DataFrame(
            {
                feature.name: _series(protected[feature.name], index)
                for feature in specification.protected
            },
            index=index,
        ),
        record_ids=_objects([f"R{i:07d}" for i in range(n)]),
    )


def synthetic_records(frame, start: int, stop: int):
    """``(record_id, as_of, inputs, protected, outcome)`` for records ``start:stop`` of the
    synthetic frame, with the values as an import stores them (numbers as floats,
    booleans as booleans, missing as None)."""
    inputs = frame.inputs.iloc[start:stop]
    protected = frame.protected.iloc[start:stop]
    input_columns = [(name, inputs[name].tolist()) for name in inputs.columns]
    protected_columns = [(name, protected[name].tolist()) for name in protected.columns]
    as_of = frame.as_of[start:stop].tolist()
    outcome = frame.outcome[start:stop].tolist()
    record_ids = frame.record_ids[start:stop]
    for k in range(stop - start):
        yield (
            record_ids[k],
            as_of[k],
            {name: values[k] for name, values in input_columns},
            {name: values[k] for name, values in protected_columns},
            bool(outcome[k]),
        )


def frame_check(specification, frame, rows: int = 5_000) -> None:
    """The directly built frame equals what ``frame_from_records`` makes of the records
    the database run stores (first ``rows`` records): both runs see the same data."""
    import numpy as np
    import pandas as pd

    from prediction.frames import frame_from_records

    rows = min(rows, len(frame))
    built = frame_from_records(
        specification=specification,
        records=synthetic_records(frame, 0, rows),
    )
    expected = frame.take(np.arange(rows))
    pd.testing.assert_frame_equal(built.inputs, expected.inputs)
    pd.testing.assert_frame_equal(built.protected, expected.protected)
    assert np.array_equal(built.outcome, expected.outcome)
    assert np.array_equal(built.as_of, expected.as_of)
    assert list(built.record_ids) == list(expected.record_ids)


# -- Children ---------------------------------------------------------------------------


def child_fit(records: int) -> dict:
    """(a) ``model_fit`` on the in-memory frame, with its stages timed by the progress
    callback it calls."""
    from prediction.specification import default_specification
    from prediction.training import TrainingParameters, model_fit

    specification = default_specification()
    columns = synthetic_columns(specification, records)
    frame = synthetic_frame(specification, columns)
    frame_check(specification, frame)
    del columns
    rss_before = peak_rss_mib()
    marks: list[tuple[float, int, str]] = []

    def progress(percent: int, message: str) -> None:
        marks.append((time.perf_counter(), percent, message))

    started = time.perf_counter()
    result = model_fit(
        specification=specification,
        frame=frame,
        parameters=TrainingParameters(),
        progress=progress,
    )
    seconds = time.perf_counter() - started
    times = {percent: moment for moment, percent, _ in marks}
    first = {}
    for moment, percent, _ in marks:
        first.setdefault(percent, moment)
    cv_start, final_start, reference_start = first[10], first[80], first[90]
    stages = {
        "checks_split_encode": first[10] - started,
        "cross_validation": final_start - cv_start,
        "final_fit_and_evaluation": reference_start - final_start,
        "reference_and_sample": times[100] - reference_start,
    }
    return {
        "seconds": round(seconds, 2),
        "stages_seconds": {k: round(v, 2) for k, v in stages.items()},
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_fit_mib": rss_before,
        "chosen": {k: result.chosen[k] for k in ("max_depth", "min_samples_leaf", "cv_auc")},
        "tree": result.tree,
        "split": {k: result.split[k] for k in ("method", "n_train", "n_test")},
        "test_auc": result.metrics.get("auc"),
        "reference_auc": result.reference.get("auc"),
        "base_rate": round(result.base_rate, 4),
    }


def child_bare(records: int, final_depth: int, final_leaf: int) -> dict:
    """(a) The same fits with scikit-learn alone, on a matrix encoded beforehand."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_limits

    from prediction.encoding import encoder_for
    from prediction.specification import default_specification
    from prediction.training import REFERENCE_THREADS, TrainingParameters, split_frame

    specification = default_specification()
    parameters = TrainingParameters()
    columns = synthetic_columns(specification, records)
    frame = synthetic_frame(specification, columns)
    del columns
    train, _ = split_frame(frame=frame, parameters=parameters)
    inputs = frame.inputs.iloc[train].reset_index(drop=True)
    y = frame.outcome[train]
    X = np.ascontiguousarray(encoder_for(specification).fit(inputs, y).transform(inputs))
    del frame, inputs
    folds = list(
        StratifiedKFold(
            n_splits=parameters.cv_folds, shuffle=True, random_state=parameters.seed
        ).split(np.zeros(len(y)), y)
    )
    rss_before = peak_rss_mib()

    started = time.perf_counter()
    fits = 0
    for fit_rows, _ in folds:
        X_fit, y_fit = X[fit_rows], y[fit_rows]
        for leaf in parameters.leaf_sizes:
            DecisionTreeClassifier(
                max_depth=max(parameters.max_depths),
                min_samples_leaf=leaf,
                random_state=parameters.seed,
            ).fit(X_fit, y_fit)
            fits += 1
    cv_done = time.perf_counter()
    DecisionTreeClassifier(
        max_depth=final_depth, min_samples_leaf=final_leaf, random_state=parameters.seed
    ).fit(X, y)
    final_done = time.perf_counter()
    with threadpool_limits(limits=REFERENCE_THREADS):
        HistGradientBoostingClassifier(random_state=parameters.seed).fit(X, y)
    done = time.perf_counter()
    return {
        "seconds": round(done - started, 2),
        "stages_seconds": {
            "cv_tree_fits": round(cv_done - started, 2),
            "final_tree_fit": round(final_done - cv_done, 2),
            "reference_fit": round(done - final_done, 2),
        },
        "tree_fits": fits + 1,
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_fit_mib": rss_before,
        "n_train": len(y),
    }


def child_insert(records: int) -> dict:
    """(b) setup: the specification, an analyst, and the records in the training store."""
    django_setup()
    from django.db import connection, transaction

    from jobcenter.models import Jobcenter, Role
    from jobcenter.services import staff_create
    from prediction.models import TrainingRecord
    from prediction.services import RecordIn, feature_spec_register, training_records_upsert
    from prediction.specification import DEFAULT_SPECIFICATION_PATH

    feature_spec = feature_spec_register(
        source_toml=DEFAULT_SPECIFICATION_PATH.read_text(encoding="utf-8")
    )
    jobcenter = Jobcenter.objects.create(
        name="Jobcenter Bench", municipality_code="990", dpo_contact="dpo@bench.invalid"
    )  # the training store is a jobcenter's own
    staff_create(
        username="analyst", password="bench-analyst", role=Role.ANALYST, jobcenter=jobcenter
    )
    specification = feature_spec.specification
    frame = synthetic_frame(specification, synthetic_columns(specification, records))
    started = time.perf_counter()
    created = 0
    for start in range(0, records, INSERT_CHUNK):
        stop = min(records, start + INSERT_CHUNK)
        with transaction.atomic():
            counts = training_records_upsert(
                specification=feature_spec,
                jobcenter_id=jobcenter.pk,
                records=(
                    RecordIn(
                        record_id=record_id,
                        as_of=as_of,
                        inputs=inputs,
                        protected=protected,
                        outcome=outcome,
                    )
                    for record_id, as_of, inputs, protected, outcome in synthetic_records(
                        frame, start, stop
                    )
                ),
                source=TrainingRecord.Source.IMPORT,
            )
        created += counts.created
        say(f"  inserted {stop:,} of {records:,} records ({time.perf_counter() - started:.0f} s)")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TrainingRecord._meta.db_table}")
        cursor.execute("SELECT pg_total_relation_size(%s)", [TrainingRecord._meta.db_table])
        table_bytes = cursor.fetchone()[0]
    vacuum_seconds = time.perf_counter() - started
    assert created == records, (created, records)
    return {
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds),
        "vacuum_analyze_seconds": round(vacuum_seconds, 2),
        "table_mib": round(table_bytes / 2**20, 1),
        "peak_rss_mib": peak_rss_mib(),
    }


def child_execute() -> dict:
    """(b) ``training_run_execute`` end to end. The registry's steps are wrapped (in
    this process only) to time them; the wrappers add a few microseconds."""
    django_setup()
    from jobcenter.models import User
    from prediction import registry
    from prediction.models import FeatureSpec, TrainingRun

    stages: dict[str, float] = {}

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    registry.training_fingerprint = timed("fingerprint", registry.training_fingerprint)
    registry.training_frame = timed("read_records_and_frame", registry.training_frame)
    registry.model_fit = timed("model_fit", registry.model_fit)
    registry.artifact_dump = timed("artifact_dump", registry.artifact_dump)
    registry._version_save = timed("version_save_card_sample", registry._version_save)

    specification = FeatureSpec.objects.get(name="default")
    analyst = User.objects.get(username="analyst")
    run = registry.training_run_request(
        specification=specification,
        user=analyst,
        trigger=TrainingRun.Trigger.COMMAND,
        enqueue=False,
    )
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    run = registry.training_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - started
    if run.state != TrainingRun.State.SUCCEEDED:
        raise SystemExit(f"training failed: {run.state} {run.message}")
    version = run.model_version
    stages["other"] = seconds - sum(stages.values())
    return {
        "seconds": round(seconds, 2),
        "stages_seconds": {k: round(v, 2) for k, v in stages.items()},
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_run_mib": rss_before,
        "version": version.number,
        "n_train": version.n_train,
        "n_test": version.n_test,
        "test_auc": version.metrics.get("auc"),
        "chosen": {k: version.parameters["chosen"][k] for k in ("max_depth", "min_samples_leaf")},
        "artifact_kib": round(len(bytes(version.artifact)) / 1024, 1),
    }


# -- The parent -------------------------------------------------------------------------


def median_of(runs: list[dict], key: str = "seconds") -> float:
    return round(statistics.median(run[key] for run in runs), 2)


def stage_medians(runs: list[dict]) -> dict:
    names = runs[0]["stages_seconds"]
    return {
        name: round(statistics.median(r["stages_seconds"][name] for r in runs), 2) for name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="repeats of (a)'s two runs")
    parser.add_argument(
        "--repeat-database", type=int, default=3, help="training runs on the database (b)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help=f"PostgreSQL server for (b) (default {DEFAULT_SERVER}); a throwaway database "
        "is created on it and dropped afterwards (the user needs CREATEDB)",
    )
    parser.add_argument("--no-database", action="store_true", help="run (a) only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(CHILD_FLAG, choices=["fit", "bare", "insert", "execute"])
    parser.add_argument("--final-depth", type=int, default=8, help=argparse.SUPPRESS)
    parser.add_argument("--final-leaf", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = {
            "fit": lambda: child_fit(args.records),
            "bare": lambda: child_bare(args.records, args.final_depth, args.final_leaf),
            "insert": lambda: child_insert(args.records),
            "execute": child_execute,
        }[args.child]()
        print(json.dumps(result))
        return
    if args.records < 1_000 or args.repeat < 1 or args.repeat_database < 1:
        parser.error("--records must be at least 1000, the repeats at least 1")
    if not args.no_database and urlsplit(args.database_url).scheme not in (
        "postgres",
        "postgresql",
    ):
        parser.error("--database-url must be a postgres:// URL")

    script = str(Path(__file__).resolve())
    records = ["--records", str(args.records)]
    started = time.perf_counter()

    fits, bares = [], []
    for number in range(1, args.repeat + 1):
        result = run_child(script, ["fit", *records])
        fits.append(result)
        say(
            f"(a) model_fit {number}/{args.repeat}: {result['seconds']:.1f} s, peak RSS "
            f"{result['peak_rss_mib']:.0f} MiB, stages {result['stages_seconds']}"
        )
        chosen = fits[0]["chosen"]
        result = run_child(
            script,
            [
                "bare",
                *records,
                "--final-depth",
                str(chosen["max_depth"]),
                "--final-leaf",
                str(chosen["min_samples_leaf"]),
            ],
        )
        bares.append(result)
        say(
            f"(a) bare scikit-learn {number}/{args.repeat}: {result['seconds']:.1f} s, peak RSS "
            f"{result['peak_rss_mib']:.0f} MiB, stages {result['stages_seconds']}"
        )
    fit_median, bare_median = median_of(fits), median_of(bares)
    in_memory = {
        "repeat": args.repeat,
        "model_fit": {
            "runs": fits,
            "median_seconds": fit_median,
            "median_stages_seconds": stage_medians(fits),
            "median_peak_rss_mib": median_of(fits, "peak_rss_mib"),
        },
        "bare_sklearn": {
            "runs": bares,
            "median_seconds": bare_median,
            "median_stages_seconds": stage_medians(bares),
            "median_peak_rss_mib": median_of(bares, "peak_rss_mib"),
        },
        "ratio_model_fit_to_bare": round(fit_median / bare_median, 2),
    }
    say(f"(a) model_fit / bare = {in_memory['ratio_model_fit_to_bare']:.2f}")

    whole_path = None
    if not args.no_database:
        name = f"bench_training_{os.getpid()}"
        url = postgres_database(args.database_url, name, create=True)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
                env = django_env(url, tmp)
                migrate_seconds = migrate(env)
                say(f"(b) migrated a fresh database in {migrate_seconds:.1f} s; inserting ...")
                insert = run_child(script, ["insert", *records], env)
                say(
                    f"(b) inserted {args.records:,} records in {insert['seconds']:.1f} s "
                    f"(+ VACUUM ANALYZE {insert['vacuum_analyze_seconds']:.1f} s)"
                )
                executes = []
                for number in range(1, args.repeat_database + 1):
                    result = run_child(script, ["execute"], env)
                    executes.append(result)
                    say(
                        f"(b) training_run_execute {number}/{args.repeat_database}: "
                        f"{result['seconds']:.1f} s, peak RSS {result['peak_rss_mib']:.0f} MiB, "
                        f"stages {result['stages_seconds']}"
                    )
        finally:
            postgres_database(args.database_url, name, create=False)
        execute_median = median_of(executes)
        whole_path = {
            "database": postgres_version(args.database_url),
            "migrate_seconds": round(migrate_seconds, 2),
            "insert": insert,
            "repeat": args.repeat_database,
            "training_run_execute": {
                "runs": executes,
                "median_seconds": execute_median,
                "median_stages_seconds": stage_medians(executes),
                "median_peak_rss_mib": median_of(executes, "peak_rss_mib"),
            },
            "ratio_to_bare": round(execute_median / bare_median, 2),
            "ratio_to_model_fit": round(execute_median / fit_median, 2),
        }
        say(f"(b) whole path / bare = {whole_path['ratio_to_bare']:.2f}")

    results = {
        "benchmark": "training",
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "records": args.records,
        "seed": SEED,
        "specification": "prediction/specs/default.toml",
        "parameters": "TrainingParameters() defaults",
        "targets": {
            "model_fit_seconds": 120,
            "peak_rss_mib": 4096,
            "whole_path_ratio_to_bare": 1.5,
        },
        "in_memory": in_memory,
        "whole_path_postgresql": whole_path,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(args.output, results)
    say(f"written: {args.output} (total {results['total_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
