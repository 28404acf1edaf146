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


urlpatterns = [path("forbidden/", _forbidden), path("bad/", _bad), *project_urls]


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
