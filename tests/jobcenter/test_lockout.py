"""Login throttling (django-axes): five wrong passwords lock the name, with a clear Danish
page; the lockout is audited; an administrator can lift it (audited); and axes' own
table never holds the name in clear (a CPR number typed as the name, say)."""

from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import AuditEvent
from jobcenter.models import Role
from jobcenter.services import login_unlock
from tests.factories import PASSWORD, make_staff


def _try(client, username, password="wrong-password"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(client, caseworker):
    for _ in range(4):
        assert _try(client, caseworker.username).status_code == 200
    locked = _try(client, caseworker.username)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Login spærret" in text and "5 gange" in text and "30 minutter" in text
    assert "administrator" in text
    right = _try(client, caseworker.username, PASSWORD)
    assert right.status_code == 429
    assert client.get(reverse("casework:caseload")).status_code == 302  # not logged in
    lockouts = AuditEvent.objects.filter(action="auth.lockout")
    assert lockouts.count() == 2  # at the fifth failure, and the refused right password
    assert lockouts.first().details["username_tried"] == caseworker.username
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 6


def test_other_names_are_not_locked(client, caseworker, colleague):
    for _ in range(5):
        _try(client, caseworker.username)
    assert _try(client, colleague.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_and_it_is_audited(client, caseworker, jobcenter):
    for _ in range(5):
        _try(client, caseworker.username)
    admin = make_staff("admin1", Role.ADMINISTRATOR, jobcenter=jobcenter)
    assert login_unlock(user=caseworker, actor=admin) >= 1
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.user_id == admin.pk and event.object_id == str(caseworker.pk)
    assert _try(client, caseworker.username, PASSWORD).status_code == 302


def test_a_cpr_number_typed_as_the_name_is_not_kept_in_clear(client, db):
    for _ in range(5):
        _try(client, "010203-1234")
    stored = list(AccessAttempt.objects.values_list("username", "get_data", "post_data"))
    assert stored
    assert all("010203" not in " ".join(map(str, row)) for row in stored)
    event = AuditEvent.objects.filter(action="auth.lockout").first()
    assert "010203-1234" not in str(event.hashed_content())
