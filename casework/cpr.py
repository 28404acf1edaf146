"""CPR numbers: validation, what they tell (birth date, gender), masking, and their
protection at rest (MultiFernet encryption so keys can rotate, and a keyed HMAC-SHA256
so an exact number can be found without decrypting anything).

A CPR number never goes into a URL, a log line or an error message: errors here say what
is wrong without repeating the number.
"""

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

# ASCII digits only: ``\d`` would also take full-width and other Unicode digits, and
# "１７０４９２１２３４" would then be a second citizen beside "1704921234".
_CPR_INPUT = re.compile(r"^\s*([0-9]{6})[-\s]?([0-9]{4})\s*$", re.ASCII)


class InvalidCpr(ValueError):
    """Raised with a reason that never contains the number itself."""


@dataclass(frozen=True)
class Cpr:
    digits: str  # ten digits, no dash

    @property
    def birth_date(self) -> datetime.date:
        return cpr_birth_date(self.digits)

    @property
    def gender(self) -> str:
        return "male" if int(self.digits[9]) % 2 else "female"

    @property
    def masked(self) -> str:
        return f"{self.digits[:6]}-XXXX"

    @property
    def formatted(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    def __repr__(self) -> str:  # never the full number in tracebacks or debug output
        return f"Cpr({self.masked})"

    __str__ = __repr__


def cpr_century(year_two_digits: int, seventh_digit: int) -> int:
    """The century from the 7th digit, by the CPR office's table."""
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year_two_digits <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if year_two_digits <= 57 else 1800


def cpr_birth_date(digits: str) -> datetime.date:
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    century = cpr_century(year, int(digits[6]))
    return datetime.date(century + year, month, day)


def cpr_parse(raw: str) -> Cpr:
    """Accepts DDMMYY-SSSS or DDMMYYSSSS; checks ten digits and a real date."""
    match = _CPR_INPUT.match(raw or "")
    if not match:
        raise InvalidCpr("Et CPR-nummer har 10 cifre, skrevet DDMMÅÅ-XXXX eller DDMMÅÅXXXX.")
    digits = match.group(1) + match.group(2)
    try:
        cpr_birth_date(digits)
    except ValueError as exc:
        raise InvalidCpr("De første seks cifre i CPR-nummeret er ikke en gyldig dato.") from exc
    return Cpr(digits)


def cpr_mask(digits: str) -> str:
    return f"{digits[:6]}-XXXX"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cpr_encrypt(cpr: Cpr) -> str:
    return _fernet(tuple(settings.CPR_ENCRYPTION_KEYS)).encrypt(cpr.digits.encode()).decode()


def cpr_decrypt(token: str) -> Cpr:
    return Cpr(_fernet(tuple(settings.CPR_ENCRYPTION_KEYS)).decrypt(token.encode()).decode())


def cpr_rotate(token: str) -> str:
    """Re-encrypts a token under the newest key (for key rotation)."""
    return _fernet(tuple(settings.CPR_ENCRYPTION_KEYS)).rotate(token.encode()).decode()


def cpr_hash(cpr: Cpr) -> str:
    key = settings.CPR_HASH_KEY.encode()
    return hmac.new(key, cpr.digits.encode(), hashlib.sha256).hexdigest()
