"""Everything held about one citizen (GDPR article 15), as plain JSON-ready data, and
the rows of the citizen's access report (like sundhed.dk's *Min Log*).

This is the one place where the DPO's pages read casework and the prediction engine's
registry beyond the citizen's name: personal data, spells, meetings, snapshots, outcomes,
estimates with their model versions and the rules of the leaf they ended in, and every
other casework record that points at the citizen, a spell, a snapshot or an estimate
(judgements, corrections, objections, ...), found through the model registry so a record
added to casework later is included without a change here.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from casework.models import (
    AssessmentSnapshot,
    Citizen,
    CitizenGroupObjectPermission,
    CitizenUserObjectPermission,
    Estimate,
    Meeting,
    Outcome,
    Spell,
)
from dpo.access_report import AccessRow, role_label
from jobcenter.models import User
from prediction.artifacts import ArtifactRefused
from prediction.explanations import tree_rules
from prediction.models import ModelVersion
from prediction.selectors import model_compiled

FORMAT = "jobcenter-subject-access/1"

# Covered explicitly below, or not the citizen's data (guardian's permission rows).
_COVERED = {
    Citizen,
    Spell,
    Meeting,
    AssessmentSnapshot,
    Estimate,
    Outcome,
    CitizenGroupObjectPermission,
    CitizenUserObjectPermission,
}
_SECRET_FIELD_PARTS = ("encrypted", "cpr_hash", "password")


# -- Plain values -----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _staff(user_id: int | None, *, include_names: bool, cache: dict) -> dict | None:
    """A member of staff as their role, and their name only when names are included."""
    if user_id is None:
        return None
    if user_id not in cache:
        user = User.objects.prefetch_related("groups").filter(pk=user_id).first()
        cache[user_id] = {
            "role": role_label(user.role if user else None),
            "name": (user.get_full_name() or user.get_username()) if user else "",
        }
    staff = dict(cache[user_id])
    if not include_names:
        staff.pop("name")
    return staff


def _record(instance: models.Model, *, include_names: bool, cache: dict) -> dict[str, Any]:
    """Every concrete field of a casework record, except secrets; a member of staff as
    their role (and name, when names are included)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if any(part in field.name for part in _SECRET_FIELD_PARTS):
            continue
        if isinstance(field, models.BinaryField):
            continue
        if field.is_relation and field.related_model is User:
            data[field.name] = _staff(
                getattr(instance, field.attname), include_names=include_names, cache=cache
            )
            continue
        if field.is_relation:
            data[field.name] = _plain(getattr(instance, field.attname))
            continue
        value = getattr(instance, field.attname)
        if field.choices and value not in (None, ""):
            data[f"{field.name}_label"] = str(getattr(instance, f"get_{field.name}_display")())
        data[field.name] = _plain(value)
    return data


# -- Estimates and their rules ----------------------------------------------------------


def _version(version: ModelVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "status": version.status,
        "specification": f"{version.specification.name} v{version.specification.version}",
        "trained_at": _plain(version.trained_at),
        "activated_at": _plain(version.activated_at),
        "retired_at": _plain(version.retired_at),
        "sklearn_version": version.sklearn_version,
        "artifact_sha256": version.artifact_sha256,
    }


class _Rules:
    """The rules of each version's leaves, loaded once per version."""

    def __init__(self) -> None:
        self._leaves: dict[int, dict | None] = {}

    def for_leaf(self, version: ModelVersion, leaf_id: int | None) -> list[dict] | None:
        if leaf_id is None:
            return None
        if version.pk not in self._leaves:
            try:
                compiled = model_compiled(version=version)
            except ArtifactRefused:
                self._leaves[version.pk] = None
            else:
                self._leaves[version.pk] = {
                    leaf.leaf_id: leaf for leaf in tree_rules(compiled=compiled)
                }
        leaves = self._leaves[version.pk]
        if leaves is None or leaf_id not in leaves:
            return None
        return [rule.to_dict() for rule in leaves[leaf_id].conditions]


def _estimate(estimate: Estimate, rules: _Rules) -> dict[str, Any]:
    return {
        "id": estimate.pk,
        "snapshot_id": estimate.snapshot_id,
        "computed_at": _plain(estimate.computed_at),
        "probability": estimate.probability,
        "band": estimate.band,
        "band_label": str(estimate.get_band_display()) if estimate.band else "",
        "missing_inputs": estimate.missing_inputs,
        "leaf_id": estimate.leaf_id,
        "rules": rules.for_leaf(estimate.model_version, estimate.leaf_id),
        "model_version": _version(estimate.model_version),
    }


def _snapshot(snapshot: AssessmentSnapshot, *, language: str) -> dict[str, Any]:
    specification = snapshot.specification.specification
    labelled = []
    for feature in specification.features:
        entry = snapshot.values.get(feature.name) or {}
        value = entry.get("value")
        labelled.append(
            {
                "name": feature.name,
                "label": feature.label(language),
                "value": value,
                "value_label": "" if value is None else feature.value_label(value, language),
                "source": entry.get("source", ""),
                "date": entry.get("date", ""),
                "protected": feature.is_protected,
            }
        )
    return {
        "id": snapshot.pk,
        "as_of": _plain(snapshot.as_of),
        "created_at": _plain(snapshot.created_at),
        "specification": f"{snapshot.specification.name} v{snapshot.specification.version}",
        "corrects": snapshot.corrects_id,
        "correction_reason": snapshot.correction_reason,
        "values": labelled,
    }


def _spell(spell: Spell, *, include_names: bool, language: str, rules: _Rules) -> dict:
    caseworker = None
    if include_names and spell.caseworker is not None:
        caseworker = spell.caseworker.get_full_name() or spell.caseworker.get_username()
    outcome = getattr(spell, "outcome", None)  # RelatedObjectDoesNotExist is an AttributeError
    return {
        "id": str(spell.pk),
        "external_id": spell.external_id,
        "benefit_type": spell.benefit_type,
        "benefit_type_label": str(spell.get_benefit_type_display()),
        "start_date": _plain(spell.start_date),
        "end_date": _plain(spell.end_date),
        "team": spell.team.name,
        "caseworker": caseworker,
        "meetings": [
            {"number": meeting.number, "held_on": _plain(meeting.held_on)}
            for meeting in spell.meetings.all()
        ],
        "snapshots": [_snapshot(s, language=language) for s in spell.snapshots.all()],
        "estimates": [_estimate(e, rules) for e in spell.estimates.all()],
        "outcome": None
        if outcome is None
        else {
            "unemployed_12m": outcome.unemployed_12m,
            "observed_on": _plain(outcome.observed_on),
            "source": outcome.source,
        },
    }


# -- Other casework records -------------------------------------------------------------


def _citizen_link(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to the citizen, through the first foreign key to a
    citizen, a spell, a snapshot or an estimate."""
    paths = {
        Citizen: "",
        Spell: "__citizen",
        AssessmentSnapshot: "__spell__citizen",
        Estimate: "__spell__citizen",
    }
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model in paths:
            return f"{field.name}{paths[field.related_model]}"
    return None


def other_casework_records(*, citizen: Citizen, include_names: bool) -> dict[str, dict]:
    """``{model name: {"title": ..., "rows": [...]}}`` for every other casework model
    that points at the citizen (judgements, corrections, objections, ...)."""
    sections: dict[str, dict] = {}
    cache: dict = {}
    for model in apps.get_app_config("casework").get_models():
        if model in _COVERED:
            continue
        link = _citizen_link(model)
        if link is None:
            continue
        rows = model._default_manager.filter(**{link: citizen}).order_by("pk")
        sections[model._meta.model_name] = {
            "title": str(model._meta.verbose_name_plural),
            "rows": [_record(row, include_names=include_names, cache=cache) for row in rows],
        }
    return sections


# -- Everything -------------------------------------------------------------------------


def subject_access_data(
    *,
    citizen: Citizen,
    access_rows: list[AccessRow],
    include_names: bool,
    language: str,
    generated_at: datetime.datetime,
) -> dict[str, Any]:
    spells = (
        Spell.objects.filter(citizen=citizen)
        .select_related("team", "caseworker", "outcome")
        .prefetch_related(
            models.Prefetch("meetings", queryset=Meeting.objects.order_by("number")),
            models.Prefetch(
                "snapshots",
                queryset=AssessmentSnapshot.objects.select_related("specification").order_by(
                    "created_at", "pk"
                ),
            ),
            models.Prefetch(
                "estimates",
                queryset=Estimate.objects.select_related("model_version__specification").order_by(
                    "computed_at", "pk"
                ),
            ),
        )
        .order_by("start_date", "pk")
    )
    rules = _Rules()
    jobcenter = citizen.jobcenter
    return {
        "format": FORMAT,
        "generated_at": _plain(generated_at),
        "controller": {
            "jobcenter": jobcenter.name,
            "municipality_code": jobcenter.municipality_code,
            "dpo_contact": jobcenter.dpo_contact,
        },
        "citizen": {
            "id": str(citizen.pk),
            "cpr": citizen.cpr_masked,
            "name": citizen.name,
            "birth_date": _plain(citizen.birth_date),
            "gender": citizen.gender,
            "gender_label": str(citizen.get_gender_display()),
            "street_address": citizen.street_address,
            "postal_code": citizen.postal_code,
            "citizenship": citizen.citizenship,
            "registered_at": _plain(citizen.created_at),
        },
        "spells": [
            _spell(spell, include_names=include_names, language=language, rules=rules)
            for spell in spells
        ],
        "records": other_casework_records(citizen=citizen, include_names=include_names),
        "access_report": {
            "includes_names": include_names,
            "rows": [row.to_dict() for row in access_rows],
        },
    }
