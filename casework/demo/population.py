"""Fictional citizens as plain numpy arrays: CPR numbers, names, citizenship.

Pure functions of a ``numpy.random.Generator``; no database, no Django.

The CPR numbers are valid for ``casework.cpr.cpr_parse`` (a real date, the century digit
right, the last digit odd for men and even for women) but deliberately *fail* the old
modulus-11 check, and no birth date is 1 January. The CPR office only issued numbers
without the modulus-11 check for people born on some 1 Januaries and from October 2007
on, so for birth dates before 1 October 2007 a generated number can never belong to a
real person. (Citizens of the demo are at least 18, so nearly all are born before
then.)
"""

import numpy as np

from casework.demo import figures, names

EPOCH_ORDINAL = 719163  # datetime.date(1970, 1, 1).toordinal()
_MOD11_WEIGHTS = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])


def days_ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970-01-01, vectorised."""
    as_date = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = as_date.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype("int64") + 1970
    month = months.astype("int64") % 12 + 1
    day = (as_date - months.astype("datetime64[D]")).astype("int64") + 1
    return year, month, day


def age_on(*, birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Age in whole years on ``day`` (both days since 1970), as ``Citizen.age_on``."""
    by, bm, bd = days_ymd(birth)
    dy, dm, dd = days_ymd(day)
    before_birthday = (dm < bm) | ((dm == bm) & (dd < bd))
    return dy - by - before_birthday.astype("int64")


def birth_days_draw(
    *, rng: np.random.Generator, age: np.ndarray, as_of: np.ndarray
) -> np.ndarray:
    """Birth dates (days since 1970) such that the citizen is exactly ``age`` on
    ``as_of``; never 1 January (see the module docstring)."""
    as_of = np.asarray(as_of, dtype="int64")
    age = np.asarray(age, dtype="int64")
    _, _, day = days_ymd(as_of)
    # The birthday ``age`` years before as_of (day of month clamped to 28), then back a
    # uniform 0-360 days.
    month = as_of.astype("datetime64[D]").astype("datetime64[M]") - 12 * age
    latest = month.astype("datetime64[D]").astype("int64") + np.minimum(day, 28) - 1
    birth = latest - rng.integers(0, 361, size=len(as_of))
    for _ in range(10):
        _, bm, bd = days_ymd(birth)
        birth = birth + ((bm == 1) & (bd == 1)).astype("int64")
        error = age_on(birth=birth, day=as_of) - age
        if not error.any():
            break
        birth = birth + 7 * np.sign(error)
    else:  # pragma: no cover
        raise RuntimeError("could not place birth dates")
    return birth


def cpr_digits_draw(
    *, rng: np.random.Generator, birth: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """Unique ten-digit CPR numbers (a ``U10`` array) for the birth dates and genders."""
    n = len(birth)
    y, m, d = days_ymd(birth)
    digits = np.zeros((n, 10), dtype="int64")
    digits[:, 0], digits[:, 1] = d // 10, d % 10
    digits[:, 2], digits[:, 3] = m // 10, m % 10
    yy = y % 100
    digits[:, 4], digits[:, 5] = yy // 10, yy % 10
    born_2000s = y >= 2000
    todo = np.arange(n)
    for _ in range(100):
        if len(todo) == 0:
            break
        k = len(todo)
        # The seventh digit gives the century (casework.cpr.cpr_century): 0-3 for the
        # 1900s; 4-9 for 2000-2036.
        seventh = np.where(
            born_2000s[todo], rng.integers(4, 10, size=k), rng.integers(0, 4, size=k)
        )
        digits[todo, 6] = seventh
        digits[todo, 7] = rng.integers(0, 10, size=k)
        digits[todo, 8] = rng.integers(0, 10, size=k)
        digits[todo, 9] = 2 * rng.integers(0, 5, size=k) + male[todo].astype("int64")
        # Fail the modulus-11 check: moving the last digit by 2 keeps the gender and moves
        # the weighted sum off a multiple of 11.
        valid_mod11 = (digits[todo] @ _MOD11_WEIGHTS) % 11 == 0
        last = digits[todo, 9]
        digits[todo, 9] = np.where(valid_mod11, np.where(last <= 7, last + 2, last - 2), last)
        text = _digits_text(digits)
        _, first = np.unique(text, return_index=True)
        duplicate = np.ones(n, dtype=bool)
        duplicate[first] = False
        todo = np.flatnonzero(duplicate)
    else:  # pragma: no cover - 100 rounds of redraws do not collide in practice
        raise RuntimeError("could not draw unique CPR numbers")
    return _digits_text(digits)


def _digits_text(digits: np.ndarray) -> np.ndarray:
    ascii_digits = (digits + 48).astype("uint8")
    return np.ascontiguousarray(ascii_digits).view("S10").ravel().astype("U10")


def names_draw(*, rng: np.random.Generator, male: np.ndarray, origin: np.ndarray) -> list[str]:
    """Full names by gender and origin: Danish names (a third with a middle name) for
    Danish origin, lists of common names abroad for the others."""
    n = len(male)
    out = np.empty(n, dtype=object)
    lists = {
        (0, False): (names.DANISH_FEMALE, names.DANISH_LAST),
        (0, True): (names.DANISH_MALE, names.DANISH_LAST),
        (1, False): (names.WESTERN_FEMALE, names.WESTERN_LAST),
        (1, True): (names.WESTERN_MALE, names.WESTERN_LAST),
        (2, False): (names.NON_WESTERN_FEMALE, names.NON_WESTERN_LAST),
        (2, True): (names.NON_WESTERN_MALE, names.NON_WESTERN_LAST),
    }
    first_draw = rng.random(n)
    last_draw = rng.random(n)
    middle_draw = rng.random(n)
    middle_pick = rng.random(n)
    for (origin_index, is_male), (firsts, lasts) in lists.items():
        rows = np.flatnonzero((origin == origin_index) & (male == is_male))
        first = np.array(firsts, dtype=object)[(first_draw[rows] * len(firsts)).astype(int)]
        last = np.array(lasts, dtype=object)[(last_draw[rows] * len(lasts)).astype(int)]
        full = first + " " + last
        if origin_index == 0:
            # The first five middle names are women's names; the rest suit anyone.
            middle_names = names.DANISH_MIDDLE if not is_male else names.DANISH_MIDDLE[5:]
            pick = (middle_pick[rows] * len(middle_names)).astype(int)
            middle = np.array(middle_names, dtype=object)[pick]
            with_middle = middle_draw[rows] < 1 / 3
            full = np.where(with_middle, first + " " + middle + " " + last, full)
        out[rows] = full
    return out.tolist()


def staff_names_draw(*, rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """(first name, last name) pairs for synthetic caseworkers."""
    female = rng.random(n) < 0.75  # social work is mostly women (assumption)
    f = rng.integers(0, len(names.DANISH_FEMALE), size=n)
    m = rng.integers(0, len(names.DANISH_MALE), size=n)
    last = rng.integers(0, len(names.DANISH_LAST), size=n)
    firsts = [
        names.DANISH_FEMALE[f[i]] if female[i] else names.DANISH_MALE[m[i]] for i in range(n)
    ]
    return [(first, names.DANISH_LAST[last[i]]) for i, first in enumerate(firsts)]


def citizenship_draw(*, rng: np.random.Generator, origin: np.ndarray) -> np.ndarray:
    """Two-letter citizenship: DK for Danish origin and for part of the immigrants."""
    n = len(origin)
    danish = rng.random(n) < np.asarray(figures.DANISH_CITIZENS_BY_ORIGIN)[origin]
    western = np.array(figures.WESTERN_CITIZENSHIPS)[
        rng.integers(0, len(figures.WESTERN_CITIZENSHIPS), size=n)
    ]
    non_western = np.array(figures.NON_WESTERN_CITIZENSHIPS)[
        rng.integers(0, len(figures.NON_WESTERN_CITIZENSHIPS), size=n)
    ]
    foreign = np.where(origin == 1, western, non_western)
    return np.where(danish, "DK", foreign)


def postal_codes_draw(
    *, rng: np.random.Generator, origin: np.ndarray, postal_codes: tuple[str, ...]
) -> np.ndarray:
    """Postal codes from the specification's list; the first is the main town."""
    n = len(origin)
    main_share = np.where(
        origin == 2, figures.MAIN_TOWN_SHARE_NON_WESTERN, figures.MAIN_TOWN_SHARE
    )
    codes = np.array(postal_codes)
    if len(codes) == 1:
        return np.repeat(codes, n)
    main = rng.random(n) < main_share
    other = codes[1:][rng.integers(0, len(codes) - 1, size=n)]
    return np.where(main, codes[0], other)


# Fictional street names; with a house number they make each demo citizen an address.
DEMO_STREETS = (
    "Østergade", "Vestergade", "Nørregade", "Søndergade", "Bredgade", "Skolevej",
    "Kirkevej", "Engvej", "Birkevej", "Lindevej", "Møllevej", "Havnegade",
    "Stationsvej", "Parkvej", "Skovvej", "Åboulevarden",
)


def street_addresses(count: int) -> list[str]:
    """A fictional street address for each of ``count`` citizens, drawn from the
    position alone (no random numbers: the rest of the demo stays as it was)."""
    return [
        f"{DEMO_STREETS[i % len(DEMO_STREETS)]} {(i * 7) % 149 + 1}" for i in range(count)
    ]
