"""Rotating the CPR keys (rotate_cpr_keys): interrupted half-way and resumed, every
citizen stays findable by CPR number, during the rotation and after it, and once the old
keys are retired."""

import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.cpr import cpr_decrypt, cpr_keyset_id, cpr_parse
from casework.key_rotation import cpr_keys_status
from casework.models import Citizen
from casework.services import citizen_create, citizen_search
from dpo.citizens import citizen_find_by_cpr_for_dpo
from tests.factories import make_citizen_with_spell, make_cpr

NEW_HASH_KEY = "new-cpr-hash-key-" + "n" * 40


@pytest.fixture
def citizens(team_a, caseworker):
    numbers = [make_cpr(datetime.date(1980 + i, 3, 1 + i)) for i in range(7)]
    for i, number in enumerate(numbers):
        make_citizen_with_spell(team=team_a, caseworker=caseworker, cpr=number, name=f"B{i}")
    return numbers


@pytest.fixture
def new_keys(settings):
    """The operator's step 1: a new encryption key first, the old one kept; a new hash
    key, the old one kept as a previous key."""
    old_keyset = cpr_keyset_id()
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CPR_ENCRYPTION_KEYS]
    settings.CPR_PREVIOUS_HASH_KEYS = [settings.CPR_HASH_KEY]
    settings.CPR_HASH_KEY = NEW_HASH_KEY
    assert cpr_keyset_id() != old_keyset
    return old_keyset


def _rotate(*args) -> str:
    out = io.StringIO()
    try:
        call_command("rotate_cpr_keys", *args, stdout=out)
    except CommandError as exc:
        out.write(f"ERROR: {exc}")
    return out.getvalue()


def _everybody_found(numbers, caseworker, dpo):
    for number in numbers:
        (found,) = citizen_search(user=caseworker, query=number)
        assert cpr_decrypt(found.cpr_encrypted).digits == number
        assert citizen_find_by_cpr_for_dpo(user=dpo, cpr=cpr_parse(number)) == found


def test_an_interrupted_rotation_resumes_and_everybody_is_found_throughout(
    citizens, new_keys, caseworker, dpo, settings
):
    old_keyset = new_keys
    new_keyset = cpr_keyset_id()
    assert set(Citizen.objects.values_list("cpr_keyset", flat=True)) == {old_keyset}

    # Interrupted after two batches of two.
    out = _rotate("--batch-size", "2", "--max-batches", "2")
    assert "batch 2: 4 of 7 citizens rotated" in out and "3 remaining" in out
    assert "ERROR: Rotation not complete" in out
    # The half-way state is visible, and search works across old and new keys.
    keysets = list(Citizen.objects.order_by("pk").values_list("cpr_keyset", flat=True))
    assert keysets.count(new_keyset) == 4 and keysets.count(old_keyset) == 3
    status = cpr_keys_status()
    assert (status.current, status.remaining) == (4, 3)
    assert "ERROR: 3 citizens are still on an old keyset" in _rotate("--status")
    _everybody_found(citizens, caseworker, dpo)

    # A citizen created meanwhile goes straight onto the new keyset; one that exists
    # under the old key cannot be created twice.
    late = make_cpr(datetime.date(1999, 9, 9))
    created = citizen_create(jobcenter=caseworker.jobcenter, cpr=late, name="Ny")
    assert created.cpr_keyset == new_keyset
    not_rotated = Citizen.objects.exclude(cpr_keyset=new_keyset).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        citizen_create(
            jobcenter=caseworker.jobcenter,
            cpr=cpr_decrypt(not_rotated.cpr_encrypted),
            name="Dublet",
        )

    # Resumed: only the rest is done.
    out = _rotate("--batch-size", "2")
    assert "3 citizens rotated in 2 batches, 0 remaining" in out
    assert "Every citizen is on the current keyset" in out
    assert set(Citizen.objects.values_list("cpr_keyset", flat=True)) == {new_keyset}
    _everybody_found(citizens, caseworker, dpo)
    runs = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATION).order_by("pk")
    assert [(e.details["rotated"], e.details["complete"]) for e in runs] == [
        (4, False),
        (3, True),
    ]

    # The old keys retired: everything still decrypts and is found.
    settings.CPR_ENCRYPTION_KEYS = settings.CPR_ENCRYPTION_KEYS[:1]
    settings.CPR_PREVIOUS_HASH_KEYS = []
    _everybody_found(citizens, caseworker, dpo)
    assert "0 remaining" in _rotate()


def test_without_the_previous_hash_key_unrotated_rows_are_not_found(
    citizens, new_keys, caseworker, settings
):
    """Why the procedure keeps the old hash key until the rotation is done."""
    settings.CPR_PREVIOUS_HASH_KEYS = []
    assert citizen_search(user=caseworker, query=citizens[0]) == []
