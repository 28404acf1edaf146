"""The DPO's reads of casework's citizens: finding one by CPR number (through the keyed
hash), and naming the citizens a page of the log refers to.

The log itself stores only the citizen's key; these reads are where the DPO's pages meet
casework (see also ``dpo.subject_access``). They are scoped to the DPO's jobcenter,
not to a caseload: reviewing every access is the DPO's job."""

from __future__ import annotations

from collections.abc import Iterable

from casework.cpr import Cpr, cpr_hashes
from casework.models import Citizen
from jobcenter.models import User


def citizen_get_for_dpo(*, user: User, citizen_id) -> Citizen:
    """The citizen in the reader's jobcenter; ``Citizen.DoesNotExist`` otherwise."""
    if user.jobcenter_id is None:
        raise Citizen.DoesNotExist
    return Citizen.objects.select_related("jobcenter").get(
        pk=citizen_id, jobcenter_id=user.jobcenter_id
    )


def citizen_find_by_cpr_for_dpo(*, user: User, cpr: Cpr) -> Citizen | None:
    if user.jobcenter_id is None:
        return None
    return Citizen.objects.filter(
        jobcenter_id=user.jobcenter_id, cpr_hash__in=cpr_hashes(cpr)
    ).first()


def citizen_labels(*, user: User, citizen_ids: Iterable) -> dict:
    """``{citizen id: "Name (DDMMYY-XXXX)"}`` for the ids, in one query."""
    ids = {citizen_id for citizen_id in citizen_ids if citizen_id}
    if not ids or user.jobcenter_id is None:
        return {}
    citizens = Citizen.objects.filter(jobcenter_id=user.jobcenter_id, pk__in=ids).only(
        "id", "name", "birth_date"
    )
    return {citizen.pk: f"{citizen.name} ({citizen.cpr_masked})" for citizen in citizens}
