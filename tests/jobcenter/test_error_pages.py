"""With DEBUG off, as `make run` serves the demo, a newcomer sees the project's own
Danish error pages, never Django's debug page with the URL patterns."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import override_settings
from django.urls import path

from jobcenter.urls import urlpatterns as project_urls


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("bad input that must not be echoed")


def _database_gone(request):
    from django.db import OperationalError

    raise OperationalError("could not connect to server: secret-host:5432 must not be shown")


urlpatterns = [
    path("forbidden/", _forbidden),
    path("bad/", _bad),
    path("database-gone/", _database_gone),
    *project_urls,
]


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/does-not-exist/", 404, "Siden findes ikke"),
        ("/forbidden/", 403, "Ingen adgang"),
        ("/bad/", 400, "Forespørgslen kunne ikke forstås"),
    ],
)
def test_error_pages_are_our_own_in_danish(client, caseworker, url, status, heading):
    client.force_login(caseworker)
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert "URLconf" not in page and "Traceback" not in page
    assert "must not be echoed" not in page and "does-not-exist" not in page


def test_make_run_serves_with_debug_off_after_collecting_static_files():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "collectstatic" in run and "DEBUG=false" in run


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_the_database_gone_is_a_clear_503_in_both_languages(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "<h1>Systemet er midlertidigt utilgængeligt</h1>" in page
    assert "The system is temporarily unavailable" in page
    assert "secret-host" not in page and "Traceback" not in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/does-not-exist/", 404, "Page not found"),
        ("/forbidden/", 403, "No access"),
        ("/bad/", 400, "The request could not be understood"),
    ],
)
def test_error_pages_are_in_english_too(client, caseworker, url, status, heading):
    client.force_login(caseworker)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(url)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_every_answer_is_kept_out_of_caches(client, caseworker):
    client.force_login(caseworker)
    for url in ("/citizens/", "/login/", "/transparency/"):
        response = client.get(url, follow=True)
        assert "no-store" in response["Cache-Control"], url
