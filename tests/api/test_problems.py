"""Errors as RFC 9457 problem details in Danish and English: the handler on its own
(validation paths, interpolated messages, 413, 500 without a traceback), and the answers
the API gives (401, 403 CSRF, 404, 405, 429)."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from jobcenter.api.problems import error_paths, in_english, problem_exception_handler
from jobcenter.api.views import ApiView

REQUIRED = {"type", "title", "status", "detail", "instance", "detail_da", "detail_en"}


def handle(exc):
    request = RequestFactory().get("/api/v1/x/")
    with translation.override("da"):
        response = problem_exception_handler(exc, {"request": request})
    response.data = json.loads(response.content)
    return response


def test_nested_validation_errors_become_field_paths_in_both_languages():
    class Record(serializers.Serializer):
        start_date = serializers.DateField()
        name = serializers.CharField(max_length=3)

    class Batch(serializers.Serializer):
        records = Record(many=True)

    data = {
        "records": [
            {"start_date": "2026-01-01", "name": "abc"},
            {"start_date": "2026-01-01", "name": "abc"},
            {"start_date": "2026-01-01", "name": "abc"},
            {"start_date": "i går", "name": "abcdef"},
        ]
    }
    with translation.override("da"):
        batch = Batch(data=data)
        assert not batch.is_valid()
        exc = exceptions.ValidationError(batch.errors)
    answer = handle(exc)
    assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json"
    body = answer.data
    assert set(body) >= REQUIRED and body["type"] == "urn:jobcenter:problem:validation"
    fields = {error["field"]: error for error in body["errors"]}
    assert set(fields) == {"records[3].start_date", "records[3].name"}
    date_error = fields["records[3].start_date"]
    assert date_error["message_en"].startswith("Date has wrong format.")
    assert date_error["message_da"] != date_error["message_en"]
    # An interpolated message: the value carried over into the English.
    name_error = fields["records[3].name"]
    assert name_error["message_en"] == "Ensure this field has no more than 3 characters."
    assert "3" in name_error["message_da"] and name_error["code"] == "max_length"


def test_our_own_messages_are_found_in_the_english_catalogue_with_their_values():
    assert in_english("For mange forespørgsler fra kontoen. Prøv igen om 12 sekunder.") == (
        "Too many requests from this account. Try again in 12 seconds."
    )
    assert in_english("Findes ikke.") == "Not found."
    assert in_english("Ikke en kendt besked") == "Ikke en kendt besked"


def test_non_field_errors_lie_on_their_parent():
    errors = error_paths(
        {"non_field_errors": ["Fra-datoen ligger efter til-datoen."], "a": {"b": ["x"]}}
    )
    assert [e["field"] for e in errors] == ["", "a.b"]
    assert errors[0]["message_en"] == "The from date is after the to date."


def test_a_request_too_large_is_413():
    answer = handle(RequestDataTooBig("too big"))
    assert answer.status_code == 413 and answer.data["status"] == 413
    assert answer.data["detail_en"] == "The request is larger than the API accepts."


def test_an_unexpected_error_is_a_bare_500_without_a_traceback(caplog):
    answer = handle(RuntimeError("secret internals 1704921234"))
    assert answer.status_code == 500
    text = str(answer.data)
    assert "Traceback" not in text and "secret internals" not in text
    assert answer.data["detail_en"] == "An unexpected error occurred. The error has been logged."


# -- Through the URL conf ----------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_address_under_api_is_a_404_problem(service_client):
    answer = service_client.get("/api/v1/does-not-exist/")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert set(answer.json()) >= REQUIRED
    assert answer.json()["instance"] == "/api/v1/does-not-exist/"


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_problem(service_client):
    answer = service_client.delete(reverse("prediction_api:versions"))
    assert answer.status_code in (404, 405)  # the registry hides itself from the account
    answer = service_client.delete(reverse("api_schema"))
    assert answer.status_code == 405
    body = answer.json()
    assert body["detail_da"] == 'Metoden "DELETE" er ikke tilladt.'
    assert body["detail_en"] == 'Method "DELETE" not allowed.'


class _Echo(ApiView):
    """A view that takes POST (the casework reads take GET only)."""

    def post(self, request):
        return Response({"ok": True})


@pytest.mark.django_db
def test_a_session_post_without_csrf_is_a_403_problem(caseworker):
    factory = APIRequestFactory(enforce_csrf_checks=True)
    request = factory.post("/api/v1/echo/", {}, format="json")
    request.user = caseworker  # as the session middleware would set it
    answer = _Echo.as_view()(request)
    assert answer.status_code == 403
    body = json.loads(answer.content)
    assert body["detail"].startswith("CSRF") and body["status"] == 403
    request = APIRequestFactory().post("/api/v1/echo/", {}, format="json")  # CSRF exempt
    request.user = caseworker
    assert _Echo.as_view()(request).status_code == 200


@pytest.mark.django_db
def test_throttling_counts_per_account_on_the_cache(settings, service_key, foreign_service_key):
    settings.API_THROTTLE_RATE = "3/minute"
    from tests.api.conftest import key_client

    own, other = key_client(service_key[1]), key_client(foreign_service_key[1])
    url = reverse("api_schema")
    assert [own.get(url).status_code for _ in range(3)] == [200, 200, 200]
    answer = own.get(url)
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    body = answer.json()
    assert body["type"] == "urn:jobcenter:problem:throttled"
    assert body["detail_en"].startswith("Too many requests from this account. Try again in")
    assert other.get(url).status_code == 200  # another account has its own count


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_413_problem_before_it_is_read(settings, service_client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    answer = service_client.generic(
        "GET", reverse("api_schema"), data=b"{" + b" " * 200 + b"}", content_type="application/json"
    )
    assert answer.status_code == 413
    assert answer.json()["detail_en"] == "The request is larger than the API accepts."


@pytest.mark.django_db
def test_a_cpr_number_sent_in_the_address_is_not_echoed(service_client):
    answer = service_client.get("/api/v1/spells/1704921234/assessment/")
    assert answer.status_code == 404
    assert "1704921234" not in answer.content.decode()
