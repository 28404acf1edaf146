"""Reads of the prediction engine."""

from prediction.models import FeatureSpec


def feature_spec_latest(*, name: str) -> FeatureSpec | None:
    return FeatureSpec.objects.filter(name=name).order_by("-version").first()
