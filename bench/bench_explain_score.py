"""Benchmark: one explanation, one bare tree walk, a pandas-per-row predict_proba, and
vectorised scoring of 1,000,000 rows.

Run from the project root (the project is installed in the virtualenv)::

    .venv/bin/python bench/bench_explain_score.py

Fits a depth-8 decision tree on a synthetic 200,000-row frame of the default
specification, times each operation (median of several repeats), writes
``bench/results/explain_score.json`` with the machine's details and prints a summary.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import pathlib
import platform
import statistics
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from prediction.encoding import encoder_for
from prediction.explanations import Explanation, compile_tree, explain
from prediction.scoring import score_frame
from prediction.specification import default_specification

TRAIN_ROWS = 200_000
SCORE_ROWS = 1_000_000
REPEATS = 7
ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "explain_score.json"


def synthetic_frame(specification, n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Parsed inputs of the default specification and an outcome that depends on them
    roughly as the domain notes describe (benefit type dominates; work history, search
    activity, education and a complete CV help)."""
    rng = np.random.default_rng(seed)
    benefit = rng.choice(
        [
            "dagpenge",
            "kontanthjaelp_jobparat",
            "kontanthjaelp_aktivitetsparat",
            "uddannelseshjaelp",
        ],
        n,
        p=[0.6, 0.15, 0.2, 0.05],
    )
    education = rng.choice(
        ["primary", "upper_secondary", "vocational", "short_higher", "bachelor", "master"],
        n,
        p=[0.3, 0.1, 0.3, 0.08, 0.12, 0.1],
    )
    industry = rng.choice(specification.feature("previous_industry").values, n)
    age = rng.integers(18, 68, n).astype(float)
    months = rng.integers(0, 37, n).astype(float)
    spells = np.minimum(rng.poisson(1.2, n), 20).astype(float)
    search = np.minimum(rng.poisson(8, n), 100).astype(float)
    cv = pd.Series(rng.random(n) < 0.7, dtype=object)
    cv[rng.random(n) < 0.08] = None
    availability = rng.choice(["full_time", "part_time"], n, p=[0.85, 0.15])
    licence = rng.random(n) < 0.75

    base = {
        "dagpenge": -1.7,
        "kontanthjaelp_jobparat": -0.3,
        "kontanthjaelp_aktivitetsparat": 1.4,
        "uddannelseshjaelp": 0.2,
    }
    school = {
        "primary": 0.5,
        "upper_secondary": 0.2,
        "vocational": 0.0,
        "short_higher": -0.2,
        "bachelor": -0.4,
        "master": -0.5,
    }
    logit = (
        pd.Series(benefit).map(base).to_numpy()
        + pd.Series(education).map(school).to_numpy()
        + 0.03 * (age - 40)
        - 0.04 * (months - 18)
        + 0.25 * spells
        - 0.04 * (search - 8)
        - 0.3 * cv.fillna(False).astype(bool).to_numpy()
        + 0.3 * (availability == "part_time")
        - 0.25 * licence
    )
    outcome = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "age": age,
            "education": pd.Series(education, dtype=object),
            "months_employed_3y": months,
            "spells_5y": spells,
            "previous_industry": pd.Series(industry, dtype=object),
            "benefit_type": pd.Series(benefit, dtype=object),
            "cv_complete": cv,
            "job_search_activity": search,
            "availability": pd.Series(availability, dtype=object),
            "driving_licence": pd.Series(licence, dtype=object),
        }
    )
    return frame, outcome


def as_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def per_call(function, items, repeats=REPEATS) -> list[float]:
    """Seconds per call, one figure per repeat (each repeat runs over all items)."""
    figures = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            function(item)
        figures.append((time.perf_counter() - start) / len(items))
    return figures


def bare_walk(compiled):
    """A tree walk over the compiled lists with an already encoded row: the floor under
    which no explanation can go in pure Python."""
    features = compiled.feature.tolist()
    thresholds = compiled.threshold.tolist()
    lefts, rights = compiled.left.tolist(), compiled.right.tolist()
    missing_left = compiled.missing_left.tolist()

    def walk(row):
        node = 0
        j = features[0]
        while j >= 0:
            x = row[j]
            if x != x:
                node = lefts[node] if missing_left[node] else rights[node]
            elif x <= thresholds[node]:
                node = lefts[node]
            else:
                node = rights[node]
            j = features[node]
        return node

    return walk


def main() -> None:
    specification = default_specification()
    frame, outcome = synthetic_frame(specification, TRAIN_ROWS)
    pipeline = Pipeline(
        [
            ("encode", encoder_for(specification)),
            ("tree", DecisionTreeClassifier(max_depth=8, min_samples_leaf=50, random_state=0)),
        ]
    )
    start = time.perf_counter()
    pipeline.fit(frame, outcome)
    fit_seconds = time.perf_counter() - start
    compile_seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        compiled = compile_tree(pipeline=pipeline, specification=specification)
        compile_seconds.append(time.perf_counter() - start)
    tree = pipeline.named_steps["tree"]
    base_rate = float(outcome.mean())

    citizens = as_rows(frame.iloc[:2000])
    probe = explain(compiled=compiled, inputs=citizens[0], base_rate=base_rate)
    assert isinstance(probe, Explanation)
    explain_times = per_call(
        lambda citizen: explain(compiled=compiled, inputs=citizen, base_rate=base_rate), citizens
    )
    # One call, timed alone, many times: the latency a single request sees.
    single = []
    for citizen in citizens:
        start = time.perf_counter_ns()
        explain(compiled=compiled, inputs=citizen, base_rate=base_rate)
        single.append(time.perf_counter_ns() - start)
    encoded = pipeline.named_steps["encode"].transform(frame.iloc[:2000]).astype(np.float32)
    encoded_rows = [[float(x) for x in row] for row in encoded]
    walk_times = per_call(bare_walk(compiled), encoded_rows)
    per_row_frames = [pd.DataFrame([citizen]) for citizen in citizens[:200]]
    pandas_times = per_call(
        lambda one: pipeline.predict_proba(one)[0, 1], per_row_frames, repeats=3
    )

    big = pd.concat([frame] * (SCORE_ROWS // TRAIN_ROWS), ignore_index=True)
    score_frame(compiled=compiled, inputs=big.iloc[:1000])
    score_seconds = []
    for _ in range(3):
        start = time.perf_counter()
        probability, _, scorable = score_frame(compiled=compiled, inputs=big)
        score_seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    reference = pipeline.predict_proba(big)[:, 1]
    pipeline_seconds = time.perf_counter() - start
    assert np.array_equal(probability, reference), "score_frame must equal predict_proba"

    median = statistics.median
    results = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scikit_learn": sklearn.__version__,
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
        "model": {
            "training_rows": TRAIN_ROWS,
            "max_depth": 8,
            "min_samples_leaf": 50,
            "nodes": int(tree.tree_.node_count),
            "leaves": int(tree.get_n_leaves()),
            "depth": int(tree.get_depth()),
            "inputs": len(specification.inputs),
            "fit_seconds": fit_seconds,
            "compile_tree_ms_median": median(compile_seconds) * 1e3,
        },
        "explain": {
            "us_per_call_median": median(explain_times) * 1e6,
            "us_per_call_repeats": [t * 1e6 for t in explain_times],
            "single_call_us_median": median(single) / 1e3,
            "single_call_us_p99": float(np.percentile(single, 99)) / 1e3,
            "calls_per_repeat": len(citizens),
            "rules_on_path_mean": float(
                np.mean(
                    [
                        len(explain(compiled=compiled, inputs=c, base_rate=base_rate).rules)
                        for c in citizens[:200]
                    ]
                )
            ),
        },
        "bare_tree_walk": {
            "us_per_call_median": median(walk_times) * 1e6,
            "calls_per_repeat": len(encoded_rows),
        },
        "pandas_per_row_predict_proba": {
            "us_per_call_median": median(pandas_times) * 1e6,
            "calls_per_repeat": len(per_row_frames),
        },
        "score_frame": {
            "rows": len(big),
            "seconds_median": median(score_seconds),
            "rows_per_second": len(big) / median(score_seconds),
            "scorable_share": float(scorable.mean()),
            "pipeline_predict_proba_seconds": pipeline_seconds,
            "target_rows_per_second": 500_000,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    m, e = results["model"], results["explain"]
    print(
        f"machine: {results['machine']['platform']}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}"
    )
    print(
        f"model: {TRAIN_ROWS:,} rows, depth {m['depth']}, {m['leaves']} leaves, fit "
        f"{fit_seconds:.2f} s, compile_tree {m['compile_tree_ms_median']:.1f} ms"
    )
    print(
        f"explain (one call):            {e['us_per_call_median']:8.1f} us "
        f"(single-call median {e['single_call_us_median']:.1f} us, "
        f"p99 {e['single_call_us_p99']:.1f} us)"
    )
    print(
        f"bare tree walk (encoded row):  {results['bare_tree_walk']['us_per_call_median']:8.1f} us"
    )
    print(
        f"pandas per-row predict_proba:  "
        f"{results['pandas_per_row_predict_proba']['us_per_call_median']:8.1f} us"
    )
    s = results["score_frame"]
    print(
        f"score_frame, {s['rows']:,} rows:    {s['seconds_median']:8.3f} s = "
        f"{s['rows_per_second']:,.0f} rows/s (target 500,000; pipeline.predict_proba "
        f"{pipeline_seconds:.3f} s)"
    )
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
