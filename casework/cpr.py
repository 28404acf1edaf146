"""CPR numbers: validation, what they tell (birth date, gender), masking, and their
protection at rest (MultiFernet encryption so keys can rotate, and a keyed HMAC-SHA256
so an exact number can be found without decrypting anything).

A CPR number never goes into a URL, a log line or an error message: errors here say what
is wrong without repeating the number.

Keys rotate together as a *keyset*: the newest Fernet key (``CPR_ENCRYPTION_KEYS[0]``)
and the current hash key (``CPR_HASH_KEY``). Each citizen row records the id of the
keyset its token and hash were made with (``Citizen.cpr_keyset``). While a rotation is
under way the previous hash keys stay configured (``CPR_PREVIOUS_HASH_KEYS``) and an
exact search looks under every hash key (``cpr_hashes``), so rows rotated and rows not
yet rotated are both found; ``rotate_cpr_keys`` (casework.key_rotation) moves every row
to the current keyset. See docs/operations.md.
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


def _hash_keys() -> list[str]:
    """The current hash key first, then the previous ones still searched."""
    return [settings.CPR_HASH_KEY, *getattr(settings, "CPR_PREVIOUS_HASH_KEYS", ())]


def _keyed_hash(key: str, cpr: Cpr) -> str:
    return hmac.new(key.encode(), cpr.digits.encode(), hashlib.sha256).hexdigest()


def cpr_hash(cpr: Cpr) -> str:
    """The hash under the current key: what a new or rotated row stores."""
    return _keyed_hash(settings.CPR_HASH_KEY, cpr)


def cpr_hashes(cpr: Cpr) -> list[str]:
    """The hash under every configured hash key, current first: what an exact search
    looks for, so it finds a row whether or not a rotation has reached it yet."""
    return list(dict.fromkeys(_keyed_hash(key, cpr) for key in _hash_keys()))


def cpr_keyset_id() -> str:
    """A short, non-secret id of the current keyset (newest encryption key and current
    hash key), stored per row: an HMAC under the hash key, so it reveals neither key."""
    material = b"cpr-keyset\n" + settings.CPR_ENCRYPTION_KEYS[0].encode()
    return hmac.new(settings.CPR_HASH_KEY.encode(), material, hashlib.sha256).hexdigest()[:16]


def cpr_rekey(token: str) -> tuple[str, str]:
    """A token re-encrypted under the newest key and the number's hash under the current
    key: one row's rotation. Raises ``cryptography.fernet.InvalidToken`` for a token no
    configured key can read."""
    cpr = cpr_decrypt(token)
    return cpr_encrypt(cpr), cpr_hash(cpr)
