"""The OpenAPI schema validates with no warning, and the documentation is served by the
application itself (drf-spectacular-sidecar, no CDN), for a login or a key only."""

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    assert "/api/v1/citizens/{citizen_id}/assessment/" in text
    assert "application/problem+json" in text and "ApiKey" in text


def test_the_docs_are_served_from_our_own_static_files(client, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("api_docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html.replace("https://testserver", "")  # no CDN
    assert "<script>" not in html  # the start-up script is a file of its own
    script = client.get(reverse("api_docs") + "?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert "/api/schema/" in script.content.decode()


def test_the_schema_and_docs_need_a_login_or_a_key(client, service_client):
    assert client.get(reverse("api_schema")).status_code == 401
    assert client.get(reverse("api_docs")).status_code == 401
    assert service_client.get(reverse("api_schema")).status_code == 200
