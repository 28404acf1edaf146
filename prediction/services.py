"""Writes of the prediction engine."""

from django.db import transaction

from prediction.models import FeatureSpec
from prediction.specification import SpecificationError, specification_from_toml


@transaction.atomic
def feature_spec_register(*, source_toml: str) -> FeatureSpec:
    """Registers a specification, or returns the one already registered with the same
    name, version and text. A changed text under an existing version is refused: the data
    team must bump ``version`` so history stays interpretable."""
    specification = specification_from_toml(source_toml)
    digest = FeatureSpec.digest(source_toml)
    existing = FeatureSpec.objects.filter(
        name=specification.name, version=specification.version
    ).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise SpecificationError(
                [
                    f"version: specification {specification.name!r} version "
                    f"{specification.version} is already registered with different content; "
                    "bump version"
                ]
            )
        return existing
    return FeatureSpec.objects.create(
        name=specification.name,
        version=specification.version,
        title_da=specification.title_da,
        title_en=specification.title_en,
        source_toml=source_toml,
        sha256=digest,
        definition=specification.to_dict(),
    )
