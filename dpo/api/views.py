"""The DPO's log search for the API: read-only, the same filters as the log page
(``dpo.forms.AuditFilterForm``), newest first by cursor, each page recorded as the page's
are (``audit.view``). For anyone but the DPO the same 404 as the DPO's pages."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission

from audit.actions import AuditAction
from audit.flags import AuditFlag
from audit.models import AuditEvent
from audit.selectors import staff_for_filter, team_names_for_filter
from casework.models import Citizen
from dpo.forms import AuditFilterForm
from dpo.review import audit_log_api_view
from jobcenter.api.views import ApiListView
from jobcenter.models import Role


class DpoOnly(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (getattr(user, "has_role", None) and user.has_role(Role.DPO)) or (
            user.jobcenter_id is None
        ):
            raise NotFound(_("Findes ikke."))
        return True


class AuditEventSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=AuditAction.choices)
    flags = serializers.ListField(child=serializers.CharField())
    details = serializers.DictField()
    output = serializers.JSONField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "action",
            "username",
            "role",
            "team",
            "citizen_id",
            "object_type",
            "object_id",
            "model_version_id",
            "output",
            "reason",
            "flags",
            "details",
            "request_id",
        ]
        read_only_fields = fields


class AuditEventListView(ApiListView):
    permission_classes = [DpoOnly]
    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # for the schema; the rows come from the service
    ordering = ("-occurred_at", "-id")

    def _filters(self):
        user = self.request.user
        query = self.request.query_params.copy()
        for name in ("cursor", "page_size"):
            query.pop(name, None)
        form = AuditFilterForm(
            query or None,
            staff=staff_for_filter(user=user),
            team_names=team_names_for_filter(user=user),
        )
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [
                        str(message) for message in messages
                    ]
                    for field, messages in form.errors.items()
                }
            )
        return form.filters()

    @extend_schema(
        operation_id="audit_events_list",
        summary="Search the audit log (the DPO only), newest first",
        parameters=[
            OpenApiParameter("citizen", OpenApiTypes.UUID, description="A citizen's id"),
            OpenApiParameter("user", OpenApiTypes.STR, description="A member of staff"),
            OpenApiParameter("team", OpenApiTypes.STR, description="A team's name"),
            OpenApiParameter("action", OpenApiTypes.STR, enum=AuditAction.values),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter(
                "flags",
                OpenApiTypes.STR,
                many=True,
                enum=[value for value, _label in AuditFlag.choices],
            ),
        ],
        tags=["dpo"],
    )
    def get(self, request, *args, **kwargs):
        filters = self._filters()

        def read(queryset):
            return self.paginate_queryset(queryset)

        try:
            rows = audit_log_api_view(user=request.user, filters=filters, read=read)
        except Citizen.DoesNotExist:
            raise NotFound(_("Borgeren findes ikke i jobcentret.")) from None
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
