from django.urls import reverse

from audit.models import AuditEvent

SEARCH = reverse("casework:search")


def test_a_cpr_search_goes_by_post_and_lands_on_the_citizen(login, caseworker, citizen):
    response = login(caseworker).post(SEARCH, {"query": "170492-1234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:citizen", kwargs={"citizen_id": citizen.pk})
    assert "1234" not in response["Location"]


def test_a_get_search_never_runs(login, caseworker, citizen):
    response = login(caseworker).get(SEARCH, {"query": "170492-1234"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="citizen.search").exists()


def test_search_by_name_within_what_i_may_see(login, caseworker, other_caseworker, citizen):
    response = login(caseworker).post(SEARCH, {"query": "karen"})
    assert response.status_code == 302  # one hit: straight to the citizen
    page = login(other_caseworker).post(SEARCH, {"query": "karen"}).content.decode()
    assert "Karen Jensen" not in page
    assert "Ingen borgere fundet" in page


def test_another_team_cannot_find_the_citizen_by_cpr(login, other_caseworker, citizen):
    page = login(other_caseworker).post(SEARCH, {"query": "1704921234"}).content.decode()
    assert "Karen Jensen" not in page


def test_the_search_event_has_the_kind_never_the_number(login, caseworker, citizen):
    login(caseworker).post(SEARCH, {"query": "170492-1234"})
    event = AuditEvent.objects.get(action="citizen.search")
    assert event.details == {"kind": "cpr", "hits": 1}
    assert "1234" not in str(event.hashed_content())


def test_an_empty_search_explains_itself(login, caseworker, db):
    response = login(caseworker).post(SEARCH, {"query": ""})
    assert response.status_code == 400
    assert "Dette felt er påkrævet" in response.content.decode()
