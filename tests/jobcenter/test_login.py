import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD


def test_the_login_page_is_danish_and_open(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="da"' in response.content.decode()
    assert "Log ind" in response.content.decode()


def test_english_is_selectable_without_javascript(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page and "Username" in page and "Brugernavn" not in page


@pytest.mark.parametrize("url", ["/", "/citizens/", "/admin/"])
def test_every_page_requires_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_login_and_logout_are_audited(client, caseworker):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("casework:caseload")
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["auth.login", "auth.logout"]


def test_a_failed_login_is_audited_and_explained(client, caseworker):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "forkert" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.flags == ["failed_login"]
    assert event.details["username_tried"] == "alice"
    assert "wrong" not in str(event.hashed_content())


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("caseworker", "casework:caseload"),
        ("manager", "cockpit:index"),
        ("analyst", "prediction:models"),
        ("dpo", "dpo:index"),
    ],
)
def test_each_role_lands_on_its_own_start_page(request, client, persona, start):
    user = request.getfixturevalue(persona)
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(start)
    assert response.status_code == 200


def test_a_nul_byte_in_the_username_is_refused_cleanly_and_audited(client, caseworker):
    response = client.post(reverse("login"), {"username": "ali\x00ce", "password": PASSWORD})
    assert response.status_code == 200  # the login page again, not a 500
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.details["username_tried"] == "alice"
    assert event.details["known_user"] is False
    assert "\x00" not in str(event.hashed_content())


def test_a_cpr_number_typed_as_the_username_is_kept_masked(client, db):
    client.post(reverse("login"), {"username": "170492-1234", "password": "x"})
    client.post(reverse("login"), {"username": "1704921234", "password": "x"})
    tried = [
        e.details["username_tried"] for e in AuditEvent.objects.filter(action="auth.login_failed")
    ]
    assert tried == ["170492-XXXX", "170492-XXXX"]
