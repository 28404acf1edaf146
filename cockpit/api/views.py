"""The managers' cockpit for the API: the same tables as the page and its CSV files
(``cockpit.selectors`` and ``cockpit.tables``), for the manager's own jobcenter, with
the same filters and the same small cells hidden. For anyone but a manager the same 404
as the cockpit's pages. Aggregates only: no citizen and no caseworker is named, so a
read is not an audited lookup (the page is not either)."""

from collections.abc import Callable

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from cockpit.forms import CockpitFilterForm
from cockpit.selectors import Filters, cockpit_data_for_user, is_manager
from cockpit.tables import all_tables
from jobcenter.api.views import ApiView


class ManagerOnly(BasePermission):
    def has_permission(self, request, view):
        if not is_manager(request.user):
            raise NotFound(_("Findes ikke."))
        return True


class ValueSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="As the page shows it; hidden cells read '<5'.")
    hidden = serializers.BooleanField(
        help_text="Under 5, or hidden so that it cannot be worked out from the others."
    )


class RowSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = ValueSerializer(many=True)


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    caption = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)
    note = serializers.CharField(allow_blank=True)
    finding = serializers.CharField(allow_blank=True)


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CockpitModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    number = serializers.IntegerField()


class FiltersSerializer(serializers.Serializer):
    first = serializers.DateField(allow_null=True)
    last = serializers.DateField(allow_null=True)
    team_id = serializers.IntegerField(allow_null=True)
    benefit_type = serializers.CharField(allow_blank=True)


class CockpitSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    being_computed = serializers.BooleanField()
    filters = FiltersSerializer()
    months = serializers.ListField(child=serializers.DateField())
    teams = TeamSerializer(many=True)
    model = CockpitModelSerializer(allow_null=True)
    scoring_paused = serializers.BooleanField()
    tables = TableSerializer(many=True)


def _filters_from(query) -> Callable[..., Filters]:
    """The page's filter form, but a wrong filter is a 400 with the field, where the page
    shows every month instead."""

    def choose(months, teams) -> Filters:
        form = CockpitFilterForm(query or None, months=months, teams=teams)
        if form.is_bound and not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): list(errors)
                    for field, errors in form.errors.items()
                }
            )
        return form.filters()

    return choose


def _cockpit_body(data) -> dict:
    tables = all_tables(data)
    return {
        "computed_at": data.run.finished_at if data.run else None,
        "being_computed": data.pending is not None,
        "filters": {
            "first": data.filters.first,
            "last": data.filters.last,
            "team_id": data.filters.team_id,
            "benefit_type": data.filters.benefit_type,
        },
        "months": data.months,
        "teams": [{"id": team.pk, "name": team.name} for team in data.teams],
        "model": (
            {
                "id": data.model.pk,
                "name": data.model.specification.name,
                "number": data.model.number,
            }
            if data.model is not None
            else None
        ),
        "scoring_paused": data.scoring_paused,
        "tables": [
            {
                "key": key,
                "title": table.title,
                "caption": table.caption,
                "columns": table.columns,
                "rows": [
                    {
                        "label": label,
                        "values": [{"text": v.text, "hidden": bool(v.hidden)} for v in values],
                    }
                    for label, values in table.rows
                ],
                "note": table.note,
                "finding": table.finding,
            }
            for key, table in tables.items()
        ],
    }


FILTER_PARAMETERS = [
    OpenApiParameter("first", OpenApiTypes.DATE, description="First month (YYYY-MM-01)."),
    OpenApiParameter("last", OpenApiTypes.DATE, description="Last month (YYYY-MM-01)."),
    OpenApiParameter("team", OpenApiTypes.INT, description="A team of the jobcenter."),
    OpenApiParameter("benefit", OpenApiTypes.STR, description="A benefit type."),
]


class CockpitView(ApiView):
    permission_classes = [IsAuthenticated, ManagerOnly]  # anonymous: 401, others: 404

    @extend_schema(
        operation_id="cockpit",
        summary="The managers' cockpit: every table of the page, for the own jobcenter",
        parameters=FILTER_PARAMETERS,
        responses={200: CockpitSerializer},
        tags=["cockpit"],
    )
    def get(self, request):
        query = request.query_params.copy()
        data = cockpit_data_for_user(user=request.user, filters=_filters_from(query))
        if data is None:
            raise NotFound(_("Findes ikke."))
        return Response(CockpitSerializer(_cockpit_body(data)).data)
