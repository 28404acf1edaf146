"""GET /api/v1/models/ (and one version with its model card) for the roles the registry's
pages are for; GET /api/v1/audit/events/ for the DPO only, with the log page's filters,
paged by cursor, each page recorded as the page's are."""

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from tests.api.conftest import key_client
from tests.factories import Role, make_staff
from tests.prediction.test_views import make_version

pytestmark = pytest.mark.django_db

VERSIONS = "/api/v1/models/"
EVENTS = "/api/v1/audit/events/"


@pytest.fixture
def administrator(jobcenter):
    return make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)


@pytest.fixture
def versions(citizen, analyst):
    specification = citizen.spells.get().snapshots.get().specification
    return [make_version(specification, trained_by=analyst) for _ in range(3)]


@pytest.mark.parametrize("persona", ["manager", "dpo", "analyst", "administrator"])
def test_the_registry_roles_list_the_versions_newest_first_by_cursor(
    request, client, versions, persona
):
    client.force_login(request.getfixturevalue(persona))
    answer = client.get(VERSIONS, {"page_size": 2})
    assert answer.status_code == 200
    body = answer.json()
    assert [row["id"] for row in body["results"]] == [versions[2].pk, versions[1].pk]
    assert body["previous"] is None and "cursor=" in body["next"]
    assert "offset" not in body["next"] and "page=" not in body["next"]
    second = client.get(body["next"]).json()
    assert [row["id"] for row in second["results"]] == [versions[0].pk]
    assert second["next"] is None


def test_one_version_with_its_model_card(client, manager, versions):
    client.force_login(manager)
    answer = client.get(reverse("prediction_api:version", kwargs={"pk": versions[0].pk}))
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == versions[0].number and body["status"] == "candidate"
    assert body["model_card"] and "auc" in body["metrics"]
    assert body["artifact_sha256"] == versions[0].artifact_sha256
    missing = client.get(reverse("prediction_api:version", kwargs={"pk": 999999}))
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["caseworker", "foreign_caseworker"])
def test_the_registry_is_a_404_for_others(request, client, versions, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(VERSIONS).status_code == 404
    url = reverse("prediction_api:version", kwargs={"pk": versions[0].pk})
    assert client.get(url).status_code == 404


def test_the_registry_is_a_404_for_the_service_account(service_client, versions):
    assert service_client.get(VERSIONS).status_code == 404


# -- The DPO's log search -----------------------------------------------------------------


def test_the_dpo_searches_the_log_by_cursor_and_each_page_is_recorded(client, dpo, citizen):
    client.force_login(dpo)
    total = AuditEvent.objects.filter(jobcenter_id=dpo.jobcenter_id).count()
    assert total >= 3
    seen, url, pages = [], EVENTS + "?page_size=2", 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        body = answer.json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    # Each page read is an event of its own, appearing on the pages after it.
    views = AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW, user=dpo)
    assert views.count() == pages
    assert all(view.details["view"] == "api" for view in views)
    assert len(seen) == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert len(seen) >= total


def test_the_dpo_filters_as_on_the_log_page(client, dpo, caseworker, citizen):
    client.force_login(dpo)
    answer = client.get(EVENTS, {"citizen": str(citizen.pk), "action": "citizen.create"})
    rows = answer.json()["results"]
    assert [row["action"] for row in rows] == ["citizen.create"]
    assert rows[0]["citizen_id"] == str(citizen.pk)
    view = AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW).latest("pk")
    assert view.details["filters"] == {"citizen_id": str(citizen.pk), "action": "citizen.create"}


def test_invalid_filters_are_a_validation_problem_in_both_languages(client, dpo):
    client.force_login(dpo)
    answer = client.get(EVENTS, {"date_from": "2026-12-01", "date_to": "2026-01-01"})
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors == [
        {
            "field": "",
            "code": "invalid",
            "message_da": "Fra-datoen ligger efter til-datoen.",
            "message_en": "The from date is after the to date.",
        }
    ]
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW).exists()


def test_another_jobcenters_citizen_is_a_404(client, dpo, foreign_caseworker):
    from tests.factories import make_citizen_with_spell

    foreign, _spell = make_citizen_with_spell(team=foreign_caseworker.team)
    client.force_login(dpo)
    assert client.get(EVENTS, {"citizen": str(foreign.pk)}).status_code == 404


@pytest.mark.parametrize(
    "persona", ["caseworker", "manager", "analyst", "administrator", "foreign_caseworker"]
)
def test_the_log_is_a_404_for_everybody_but_the_dpo(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(EVENTS).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEW).exists()


def test_the_log_is_a_404_for_the_service_account(service_key):
    assert key_client(service_key[1]).get(EVENTS).status_code == 404


def test_every_list_endpoint_pages_by_cursor():
    """The rule for every list of the API, this one's and those to come."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.generics import ListAPIView
    from rest_framework.pagination import CursorPagination

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield getattr(pattern.callback, "cls", None)

    lists = [view for view in views(get_resolver().url_patterns) if view is not None]
    lists = [view for view in lists if issubclass(view, ListAPIView)]
    assert lists, "no list endpoints found"
    for view in lists:
        assert issubclass(view.pagination_class, CursorPagination), view
