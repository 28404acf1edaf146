import datetime

import pytest
from cryptography.fernet import Fernet, InvalidToken

from casework.cpr import (
    InvalidCpr,
    cpr_century,
    cpr_decrypt,
    cpr_encrypt,
    cpr_hash,
    cpr_parse,
    cpr_rotate,
)


@pytest.mark.parametrize(
    ("raw", "born"),
    [
        ("170492-1234", datetime.date(1992, 4, 17)),
        ("1704921234", datetime.date(1992, 4, 17)),
        (" 010203-4000 ", datetime.date(2003, 2, 1)),  # 7th digit 4, year <= 36: 2000s
        ("010240-4000", datetime.date(1940, 2, 1)),  # 7th digit 4, year > 36: 1900s
        ("010250-5000", datetime.date(2050, 2, 1)),  # 5-8, year <= 57: 2000s
        ("010270-8000", datetime.date(1870, 2, 1)),  # 5-8, year > 57: 1800s
        ("290200-9000", datetime.date(2000, 2, 29)),  # 9, year <= 36: 2000s (leap year)
        ("010190-9000", datetime.date(1990, 1, 1)),  # 9, year > 36: 1900s
    ],
)
def test_it_reads_the_birth_date_and_century(raw, born):
    assert cpr_parse(raw).birth_date == born


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "17049212345",
        "170492-12a4",
        "17/04/92-1234",
        "１７０４９２-１２３４",  # full-width digits: would be a second citizen beside 1704921234
        "١٧٠٤٩٢١٢٣٤",  # Arabic-Indic digits
    ],
)
def test_it_rejects_malformed_numbers_without_repeating_them(raw):
    with pytest.raises(InvalidCpr) as excinfo:
        cpr_parse(raw)
    assert "10 cifre" in str(excinfo.value)
    if raw:
        assert raw not in str(excinfo.value)


@pytest.mark.parametrize("raw", ["320192-1234", "300292-1234", "011392-1234", "290201-3000"])
def test_it_rejects_dates_that_do_not_exist(raw):
    with pytest.raises(InvalidCpr, match="gyldig dato"):
        cpr_parse(raw)


def test_it_derives_gender_from_the_last_digit():
    assert cpr_parse("170492-1233").gender == "male"
    assert cpr_parse("170492-1234").gender == "female"


def test_it_masks_and_never_shows_the_full_number_in_repr():
    cpr = cpr_parse("170492-1234")
    assert cpr.masked == "170492-XXXX"
    assert "1234" not in repr(cpr) and "1234" not in str(cpr)
    assert cpr.formatted == "170492-1234"


def test_century_table_edges():
    assert cpr_century(36, 4) == 2000 and cpr_century(37, 4) == 1900
    assert cpr_century(57, 5) == 2000 and cpr_century(58, 8) == 1800
    assert cpr_century(99, 3) == 1900


def test_it_encrypts_so_the_token_does_not_contain_the_number():
    cpr = cpr_parse("170492-1234")
    token = cpr_encrypt(cpr)
    assert "1704921234" not in token and "170492" not in token
    assert cpr_decrypt(token) == cpr
    assert cpr_encrypt(cpr) != token  # a fresh IV each time


def test_it_rotates_keys_old_tokens_still_decrypt(settings):
    cpr = cpr_parse("170492-1234")
    old_key = settings.CPR_ENCRYPTION_KEYS[0]
    old_token = cpr_encrypt(cpr)
    new_key = Fernet.generate_key().decode()
    settings.CPR_ENCRYPTION_KEYS = [new_key, old_key]
    assert cpr_decrypt(old_token) == cpr
    rotated = cpr_rotate(old_token)
    settings.CPR_ENCRYPTION_KEYS = [new_key]
    assert cpr_decrypt(rotated) == cpr
    with pytest.raises(InvalidToken):
        cpr_decrypt(old_token)


def test_the_hash_is_keyed(settings):
    cpr = cpr_parse("170492-1234")
    first = cpr_hash(cpr)
    assert first == cpr_hash(cpr_parse("1704921234"))
    settings.CPR_HASH_KEY = "another-key-of-sufficient-length-000000"
    assert cpr_hash(cpr) != first
