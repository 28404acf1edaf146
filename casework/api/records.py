"""The write API for the case system: citizens, spells, meetings, snapshots and
outcomes, one record or up to ``API_MAX_RECORDS`` per request, keyed by the case
system's ids, through the same service as the file import
(``casework.imports.services.records_import``): all or nothing, and the same records
again change nothing (200 with the counts).

An ``Idempotency-Key`` header makes a retried request return the first response without
running again; the same key with another body is refused (422). Errors are DRF
``ValidationError``s with the record's index and field (``records[3].start_date``), for
the project's problem-details handler to render.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from casework.imports.reading import DEEP_JSON, ImportRefused, records_from_json
from casework.imports.services import records_import
from casework.models import IdempotencyKey
from jobcenter.api.views import ApiView
from jobcenter.models import Role

__all__ = ["RecordCreateView", "RecordsBatchView", "RecordsBulkView"]

PATH_TYPES = {
    "citizens": "citizen",
    "spells": "spell",
    "meetings": "meeting",
    "snapshots": "snapshot",
    "outcomes": "outcome",
}
MAX_KEY_LENGTH = 200


class RecordsWritePermission(BasePermission):
    """The jobcenter's service accounts and administrators; the data is always the
    account's own jobcenter's."""

    message = gettext_lazy("Kun jobcentrets tjenestekonti og administratorer kan skrive data.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            getattr(user, "is_authenticated", False)
            and user.has_role(Role.SERVICE, Role.ADMINISTRATOR)
            and user.jobcenter_id is not None
        )


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy(
        "Idempotency-Key er allerede brugt med et andet indhold. Brug en ny nøgle til en ny "
        "anmodning."
    )


class IdempotencyKeyInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = gettext_lazy("En anmodning med samme Idempotency-Key er i gang.")


def _too_large() -> RequestTooLarge:
    return RequestTooLarge(
        _("Anmodningen er for stor: højst %(limit)s byte. Del posterne op i flere anmodninger.")
        % {"limit": settings.API_MAX_BODY_BYTES}
    )


class BoundedJSONParser(JSONParser):
    """JSON with the body's size limit, and deeply nested JSON refused cleanly."""

    def parse(self, stream, media_type=None, parser_context=None):
        content = stream.read(settings.API_MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(content) > settings.API_MAX_BODY_BYTES:
            raise _too_large()
        if DEEP_JSON.search(content):
            raise ParseError(_("JSON er for dybt indlejret. En post er et fladt objekt."))
        try:
            return json.loads(content.decode("utf-8"))
        except RecursionError:
            raise ParseError(_("JSON er for dybt indlejret. En post er et fladt objekt.")) from None
        except (ValueError, UnicodeDecodeError):
            raise ParseError(_("Indholdet er ikke gyldig JSON i UTF-8.")) from None


class RecordsBodySerializer(serializers.Serializer):
    """A bulk request: ``{"records": [{...}, ...]}``."""

    records = serializers.ListField(child=serializers.DictField(), allow_empty=False)

    def validate_records(self, value):
        if len(value) > settings.API_MAX_RECORDS:
            raise ValidationError(
                _("Højst %(limit)s poster pr. anmodning; del dem op.")
                % {"limit": settings.API_MAX_RECORDS}
            )
        return value


class RecordCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RecordsImportedSerializer(serializers.Serializer):
    """The answer to a write: how many records were created, updated and unchanged, in
    all and per type (for the schema; the view builds the dictionary itself)."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    counts = serializers.DictField(child=RecordCountsSerializer())


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of the caller's choosing (at most 200 characters): a retried request with "
        "the same key and body returns the first answer without running again; the same "
        "key with another body is refused (422)."
    ),
)
RECORD_TYPE = OpenApiParameter(
    "record_type", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(PATH_TYPES)
)


def _write_schema(*, operation_id: str, summary: str, request, with_type: bool):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        request=request,
        responses={200: RecordsImportedSerializer},
        parameters=[IDEMPOTENCY_KEY, *([RECORD_TYPE] if with_type else [])],
        tags=["records"],
    )


class _RecordsWriteView(ApiView):
    permission_classes = [RecordsWritePermission]
    parser_classes = [BoundedJSONParser]
    single = False

    def _records(self, request, record_type: str | None) -> list[dict]:
        raise NotImplementedError

    def post(self, request, record_type: str | None = None):
        if record_type is not None and record_type not in PATH_TYPES:
            raise Http404
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise _too_large()
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({"Idempotency-Key": [_("Nøglen er for lang (højst 200 tegn).")]})
        items = self._records(request, PATH_TYPES.get(record_type or ""))
        digest = hashlib.sha256(
            (request.path + "\n" + json.dumps(items, sort_keys=True, default=str)).encode()
        ).hexdigest()
        with transaction.atomic():
            stored = None
            if key:
                stored, created = IdempotencyKey.objects.select_for_update().get_or_create(
                    user=request.user, key=key, defaults={"request_sha256": digest}
                )
                if not created:
                    if stored.request_sha256 != digest:
                        raise IdempotencyKeyReused()
                    if stored.status_code is None:
                        raise IdempotencyKeyInProgress()
                    return self._replay(stored)
            code, data = self._import(request, items)
            if stored is not None:
                stored.status_code, stored.response = code, data
                stored.save(update_fields=["status_code", "response"])
        return self._answer(code, data)

    def _replay(self, stored: IdempotencyKey):
        answer = self._answer(stored.status_code, stored.response)
        answer["Idempotency-Replayed"] = "true"
        return answer

    def _answer(self, code: int, data):
        if code == status.HTTP_400_BAD_REQUEST:
            raise ValidationError(data)
        return Response(data, status=code)

    def _import(self, request, items: list[dict]) -> tuple[int, dict]:
        try:
            read = records_from_json(items, max_rows=settings.API_MAX_RECORDS)
            report = records_import(
                jobcenter=request.user.jobcenter,
                actor=request.user,
                records=read.records,
                read=read,
                source="api",
            )
        except ImportRefused as exc:
            return status.HTTP_400_BAD_REQUEST, {"non_field_errors": [exc.message]}
        if not report.ok:
            return status.HTTP_400_BAD_REQUEST, self._errors(report, len(items))
        counts = {name: vars(c) for name, c in report.counts.items() if any(vars(c).values())}
        return status.HTTP_200_OK, {
            "created": report.total("created"),
            "updated": report.total("updated"),
            "unchanged": report.total("unchanged"),
            "counts": counts,
        }

    def _errors(self, report, count: int) -> dict:
        per_record: list[dict] = [{} for _ in range(count)]
        for error in report.errors:
            field = error.column or "non_field_errors"
            per_record[error.line - 1].setdefault(field, []).append(error.reason)
        if self.single:
            return per_record[0]
        return {"records": per_record}


class RecordsBatchView(_RecordsWriteView):
    """``POST /api/v1/records/``: records of any type, each naming its ``record_type``."""

    @_write_schema(
        operation_id="records_write",
        summary="Write records of any type (each names its record_type), all or nothing",
        request=RecordsBodySerializer,
        with_type=False,
    )
    def post(self, request, record_type=None):
        return super().post(request, record_type)

    def _records(self, request, record_type):
        body = RecordsBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["records"]


class RecordsBulkView(_RecordsWriteView):
    """``POST /api/v1/records/<type>/bulk/``: up to ``API_MAX_RECORDS`` of one type."""

    @_write_schema(
        operation_id="records_bulk_write",
        summary="Write up to API_MAX_RECORDS records of one type, all or nothing",
        request=RecordsBodySerializer,
        with_type=True,
    )
    def post(self, request, record_type=None):
        return super().post(request, record_type)

    def _records(self, request, record_type):
        body = RecordsBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return [{**item, "record_type": record_type} for item in body.validated_data["records"]]


class RecordCreateView(_RecordsWriteView):
    """``POST /api/v1/records/<type>/``: one record, the object itself as the body."""

    single = True

    @_write_schema(
        operation_id="record_write",
        summary="Write one citizen, spell, meeting, snapshot or outcome",
        request=OpenApiTypes.OBJECT,
        with_type=True,
    )
    def post(self, request, record_type=None):
        return super().post(request, record_type)

    def _records(self, request, record_type):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Indholdet skal være ét objekt.")]})
        return [{**request.data, "record_type": record_type}]
