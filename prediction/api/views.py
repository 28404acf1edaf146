"""The model registry for the API: the versions and each one's model card, for the
roles the registry's pages are for (``prediction.registry.VIEWER_ROLES``); for anyone
else (a caseworker, the case system's service account) the same 404 as the pages'."""

import math

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from jobcenter.api.views import ApiListView, ApiView
from prediction.models import ModelStatus
from prediction.registry import VIEWER_ROLES
from prediction.selectors import model_version_get, model_versions_list


def _finite(value):
    """JSON has no NaN or infinity: an undefined metric is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class RegistryViewer(BasePermission):
    def has_permission(self, request, view):
        has_role = getattr(request.user, "has_role", None)
        if not (has_role and has_role(*VIEWER_ROLES)):
            raise NotFound(_("Findes ikke."))
        return True


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


class ModelVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specification = serializers.CharField(source="specification.name")
    specification_version = serializers.IntegerField(source="specification.version")
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ModelStatus.choices)
    trained_at = serializers.DateTimeField()
    trained_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    activated_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)
    data_from = serializers.DateField(allow_null=True)
    data_to = serializers.DateField(allow_null=True)
    n_train = serializers.IntegerField()
    n_test = serializers.IntegerField()
    base_rate = serializers.FloatField()
    auc = serializers.SerializerMethodField()

    def get_trained_by(self, version) -> str | None:
        return _name(version.trained_by)

    def get_reviewed_by(self, version) -> str | None:
        return _name(version.reviewed_by)

    def get_auc(self, version) -> float | None:
        auc = (version.metrics or {}).get("auc")
        return auc if isinstance(auc, int | float) and math.isfinite(auc) else None


class ModelVersionDetailSerializer(ModelVersionSerializer):
    band_cutoffs = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    model_card = serializers.SerializerMethodField()
    sklearn_version = serializers.CharField()
    artifact_sha256 = serializers.CharField()

    def get_band_cutoffs(self, version) -> list[float]:
        return [float(value) for value in version.band_cutoffs]

    def get_metrics(self, version) -> dict:
        return _finite(version.metrics or {})

    def get_model_card(self, version) -> dict:
        return _finite(version.model_card or {})


class ModelVersionListView(ApiListView):
    permission_classes = [RegistryViewer]
    serializer_class = ModelVersionSerializer
    ordering = "-pk"

    def get_queryset(self):
        return model_versions_list(jobcenter_id=self.request.user.jobcenter_id)

    @extend_schema(
        operation_id="model_versions_list",
        summary="Model versions, newest first",
        tags=["prediction"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ModelVersionDetailView(ApiView):
    permission_classes = [RegistryViewer]

    @extend_schema(
        operation_id="model_version",
        summary="One model version with its model card",
        responses={200: ModelVersionDetailSerializer},
        tags=["prediction"],
    )
    def get(self, request, pk):
        version = model_version_get(version_id=pk, jobcenter_id=request.user.jobcenter_id)
        if version is None:
            raise NotFound(_("Findes ikke."))
        return Response(ModelVersionDetailSerializer(version).data)
