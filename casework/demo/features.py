"""What a snapshot holds, drawn column-wise: the citizen-level traits that stay the same
from spell to spell, the inputs as of meeting 2, and the outcome's log-odds.

Pure numpy; every number comes from ``casework.demo.figures``.
"""

from dataclasses import dataclass

import numpy as np

from casework.demo import figures as fig
from casework.demo.population import age_on
from prediction.specification import Specification

# What the generator produces for each feature of the default specification: its type,
# the categorical values it uses, and the register it says the value came from.
GENERATED_FEATURES = {
    "age": ("numeric", (), "CPR"),
    "education": ("categorical", fig.EDUCATION, "Uddannelsesregisteret"),
    "months_employed_3y": ("numeric", (), "eIndkomst"),
    "spells_5y": ("numeric", (), "DREAM"),
    "previous_industry": ("categorical", ("none", *fig.INDUSTRIES), "eIndkomst"),
    "benefit_type": ("categorical", fig.BENEFIT_TYPES, "DREAM"),
    "cv_complete": ("boolean", (), "Jobnet"),
    "job_search_activity": ("numeric", (), "Jobnet"),
    "availability": ("categorical", ("full_time", "part_time"), "Sagsbehandler"),
    "driving_licence": ("boolean", (), "Sagsbehandler"),
    "gender": ("categorical", ("female", "male"), "CPR"),
    "origin": ("categorical", fig.ORIGINS, "CPR"),
    "postal_code": ("categorical", (), "CPR"),
}


class DemoSpecificationMismatch(ValueError):
    """The specification lacks a feature or value the generator writes."""


def specification_check(specification: Specification) -> None:
    """The generator knows the default specification's features; refuse any other
    shape up front rather than write snapshots that fail validation later."""
    errors = []
    by_name = {feature.name: feature for feature in specification.features}
    for name, (kind, values, _source) in GENERATED_FEATURES.items():
        feature = by_name.get(name)
        if feature is None:
            errors.append(f"{name}: missing from the specification")
            continue
        if feature.type != kind:
            errors.append(f"{name}: the generator writes {kind}, the spec says {feature.type}")
        missing = [value for value in values if value not in feature.values]
        if missing:
            errors.append(f"{name}: the spec lacks the value(s) {', '.join(missing)}")
    for name, feature in by_name.items():
        if name not in GENERATED_FEATURES and feature.required:
            errors.append(f"{name}: required by the spec, but the generator cannot fill it")
    if errors:
        raise DemoSpecificationMismatch("; ".join(errors))


# -- Small vectorised draws -------------------------------------------------------------


def choice_draw(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probabilities`` (rows need not sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(probabilities))[:, None]
    return np.minimum((u > cumulative).sum(axis=1), probabilities.shape[1] - 1)


def uniform_days_draw(rng: np.random.Generator, bounds, index: np.ndarray) -> np.ndarray:
    low = np.array([b[0] for b in bounds])[index]
    high = np.array([b[1] for b in bounds])[index]
    return low + np.floor(rng.random(len(index)) * (high - low + 1)).astype("int64")


def ages_draw(rng: np.random.Generator, n: int, max_age: np.ndarray) -> np.ndarray:
    bands = np.array([(low, high) for low, high, _ in fig.AGE_BANDS])
    weights = np.array([w for *_, w in fig.AGE_BANDS])
    band = choice_draw(rng, np.tile(weights, (n, 1)))
    age = bands[band, 0] + np.floor(rng.random(n) * (bands[band, 1] - bands[band, 0] + 1))
    return np.minimum(age.astype("int64"), max_age)


def benefits_draw(rng: np.random.Generator, origin: np.ndarray, age: np.ndarray) -> np.ndarray:
    n = len(origin)
    p_dagpenge = np.asarray(fig.DAGPENGE_SHARE_BY_ORIGIN)[origin] * np.where(
        age < 25, fig.DAGPENGE_FACTOR_UNDER_25, 1.0
    )
    jobparat = rng.random(n) < np.asarray(fig.JOBPARAT_SHARE_OF_CASH_BY_ORIGIN)[origin]
    cash = np.where(jobparat, fig.JOBPARAT, fig.AKTIVITETSPARAT)
    young = (age < 30) & (rng.random(n) < fig.UDDANNELSESHJAELP_SHARE_UNDER_30)
    cash = np.where(young, fig.UDDANNELSESHJAELP, cash)
    return np.where(rng.random(n) < p_dagpenge, fig.DAGPENGE, cash)


def benefits_fix(benefit: np.ndarray, age: np.ndarray, education: np.ndarray) -> np.ndarray:
    """Uddannelseshjælp is only for under-30s without a qualifying education."""
    qualified = education >= fig.EDUCATION.index("vocational")
    wrong = (benefit == fig.UDDANNELSESHJAELP) & ((age >= 30) | qualified)
    return np.where(wrong, np.where(qualified, fig.JOBPARAT, fig.AKTIVITETSPARAT), benefit)


def educations_draw(
    rng: np.random.Generator, benefit: np.ndarray, age: np.ndarray, origin: np.ndarray
) -> np.ndarray:
    education = choice_draw(rng, np.asarray(fig.EDUCATION_BY_BENEFIT)[benefit])
    shifted = (origin == 2) & (rng.random(len(benefit)) < fig.NON_WESTERN_PRIMARY_SHIFT)
    education = np.where(shifted, 0, education)
    index = fig.EDUCATION.index
    education = np.where((age < 24) & (education == index("master")), index("bachelor"), education)
    too_young = (age < 21) & (education >= index("short_higher"))
    return np.where(too_young, index("upper_secondary"), education)


@dataclass
class Profiles:
    """Citizen-level draws: what stays the same from one spell to the next."""

    male: np.ndarray
    origin: np.ndarray
    age: np.ndarray  # at the citizen's first meeting 2 in the data
    benefit: np.ndarray  # of the first spell
    education: np.ndarray
    licence: np.ndarray
    earlier_spells: np.ndarray  # spells in the five years before, not in the data


def profiles_draw(rng: np.random.Generator, n: int, max_age: np.ndarray) -> Profiles:
    male = rng.random(n) >= fig.FEMALE_SHARE
    origin = choice_draw(rng, np.tile(np.asarray(fig.ORIGIN_SHARES), (n, 1)))
    age = ages_draw(rng, n, max_age)
    benefit = benefits_draw(rng, origin, age)
    education = educations_draw(rng, benefit, age, origin)
    benefit = benefits_fix(benefit, age, education)
    p_licence = np.asarray(fig.DRIVING_LICENCE_BY_ORIGIN)[origin]
    p_licence = p_licence * np.where(benefit == fig.AKTIVITETSPARAT, 0.75, 1.0)
    p_licence = p_licence * np.where(age < 22, 0.6, 1.0)
    licence = rng.random(n) < p_licence
    earlier = rng.poisson(np.asarray(fig.EARLIER_SPELLS_MEAN)[benefit])
    return Profiles(male, origin, age, benefit, education, licence, earlier)


def features_draw(
    rng: np.random.Generator,
    *,
    profiles: Profiles,
    who: np.ndarray,
    birth: np.ndarray,
    benefit: np.ndarray,
    meeting2: np.ndarray,
    prior_in_data: np.ndarray,
) -> dict[str, np.ndarray]:
    """The snapshot's inputs and protected attributes, as of meeting 2."""
    n = len(who)
    male, origin = profiles.male[who], profiles.origin[who]
    age = age_on(birth=birth[who], day=meeting2)
    a, b = np.asarray(fig.MONTHS_EMPLOYED_BETA).T
    months = 36 * rng.beta(a[benefit], b[benefit])
    months = np.where(benefit == fig.DAGPENGE, 12 + months * 24 / 36, months)
    zero = (benefit == fig.AKTIVITETSPARAT) & (
        rng.random(n) < fig.MONTHS_EMPLOYED_ZERO_AKTIVITETSPARAT
    )
    months = np.where(zero, 0, months)
    months = np.minimum(np.round(months), np.maximum(0, (age - 16) * 12)).clip(0, 36)
    spells_5y = np.minimum(profiles.earlier_spells[who] + prior_in_data, 2 * (age - 17))
    spells_5y = spells_5y.clip(0, 20)
    education = profiles.education[who]
    group = np.select([education <= 1, education <= 3], [0, 1], 2)
    weights = np.array([fig.INDUSTRY_WEIGHTS[g] for g in ("low", "middle", "high")])[group]
    weights = weights * np.where(male[:, None], np.asarray(fig.INDUSTRY_MALE_FACTOR), 1.0)
    industry = 1 + choice_draw(rng, weights)  # 0 is "none"
    no_industry = (months == 0) & (rng.random(n) < fig.NO_INDUSTRY_IF_NOT_EMPLOYED)
    industry = np.where(no_industry, 0, industry)
    cv = rng.random(n) < np.asarray(fig.CV_COMPLETE_BY_BENEFIT)[benefit]
    cv_missing = rng.random(n) < fig.CV_MISSING_SHARE
    mean = np.asarray(fig.JOB_SEARCH_MEAN)[benefit]
    r = fig.JOB_SEARCH_DISPERSION
    job_search = rng.negative_binomial(r, r / (r + mean)).clip(0, 100)
    p_part = np.asarray(fig.PART_TIME_BY_BENEFIT)[benefit]
    p_part = p_part * np.where(male, 1.0, fig.PART_TIME_FEMALE_FACTOR)
    part_time = rng.random(n) < p_part
    return {
        "age": age,
        "education": education,
        "months_employed_3y": months.astype("int64"),
        "spells_5y": spells_5y.astype("int64"),
        "previous_industry": industry,
        "benefit_type": benefit,
        "cv_complete": np.where(cv_missing, -1, cv.astype("int64")),  # -1: missing
        "job_search_activity": job_search.astype("int64"),
        "availability": part_time.astype("int64"),
        "driving_licence": profiles.licence[who],
        "gender": male.astype("int64"),
        "origin": origin,
    }


def outcome_log_odds(values: dict[str, np.ndarray]) -> np.ndarray:
    """The log-odds of still being on benefits 12 months after meeting 2: thresholds and
    interactions a tree can find, plus the stated origin disparity. Public so the
    documentation's figures and the tests can be recomputed from it."""
    e = fig.OUTCOME_EFFECTS
    months, spells = values["months_employed_3y"], values["spells_5y"]
    age, education = values["age"], values["education"]
    job_search, industry = values["job_search_activity"], values["previous_industry"]
    seasonal = np.isin(
        industry,
        [1 + fig.INDUSTRIES.index(name) for name in ("construction", "hospitality", "agriculture")],
    )
    terms = [
        np.asarray(fig.OUTCOME_INTERCEPT)[values["benefit_type"]],
        e["months_employed_under_6"] * (months < 6),
        e["months_under_6_and_spells_3plus"] * ((months < 6) & (spells >= 3)),
        e["spells_3plus"] * (spells >= 3),
        e["age_55plus"] * (age >= 55),
        e["age_60plus"] * (age >= 60),
        e["cv_incomplete"] * (values["cv_complete"] == 0),
        e["cv_missing"] * (values["cv_complete"] < 0),
        e["education_primary"] * (education == 0),
        e["education_upper_secondary"] * (education == 1),
        e["education_bachelor_master"] * (education >= 4),
        e["job_search_under_3"] * (job_search < 3),
        e["job_search_10plus"] * (job_search >= 10),
        e["part_time"] * (values["availability"] == 1),
        e["no_driving_licence"] * ~values["driving_licence"].astype(bool),
        e["industry_none"] * (industry == 0),
        e["industry_seasonal"] * seasonal,
        fig.NON_WESTERN_EXTRA_LOG_ODDS * (values["origin"] == 2),
    ]
    return np.sum(terms, axis=0)


