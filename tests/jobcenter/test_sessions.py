"""Sessions: a new key at login, an idle expiry, an absolute lifetime, nothing left at
logout, and a deactivated user out at once. Passwords are hashed with Argon2."""

import time

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jobcenter.middleware import SESSION_SEEN, SESSION_STARTED
from tests.factories import PASSWORD

CASELOAD = reverse("casework:caseload")


def log_in(client, user):
    client.get(reverse("login"))
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return before.value if before else None


def test_the_session_key_changes_at_login_and_is_gone_after_logout(client, caseworker):
    client.get(reverse("login"))
    client.session.save()
    anonymous_key = client.session.session_key
    log_in(client, caseworker)
    key = client.session.session_key
    assert key != anonymous_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(CASELOAD).status_code == 302


def test_an_idle_session_expires_after_the_configured_minutes(client, caseworker):
    log_in(client, caseworker)
    client.get(CASELOAD)
    session = Session.objects.get(session_key=client.session.session_key)
    left = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_IDLE_MINUTES * 60 - 60 < left <= settings.SESSION_IDLE_MINUTES * 60
    # Idle for longer than that: the server no longer knows the session.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now())
    assert client.get(CASELOAD).status_code == 302


def test_a_request_moves_the_idle_expiry_on_at_most_once_a_minute(client, caseworker):
    log_in(client, caseworker)
    session = client.session
    session[SESSION_SEEN] = int(time.time()) - 120
    session.save()
    client.get(CASELOAD)
    assert client.session[SESSION_SEEN] >= int(time.time()) - 5


@override_settings(SESSION_MAX_HOURS=10)
def test_after_the_absolute_lifetime_the_user_is_logged_out_with_a_message(client, caseworker):
    log_in(client, caseworker)
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 10 * 3600 - 1
    session.save()
    response = client.get(CASELOAD, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "logget ind i 10 timer" in response.content.decode()
    assert client.get(CASELOAD).status_code == 302  # logged out for good


def test_a_deactivated_user_loses_every_session_at_once(client, caseworker):
    log_in(client, caseworker)
    assert client.get(CASELOAD).status_code == 200
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])
    assert client.get(CASELOAD).status_code == 302


def test_passwords_are_hashed_with_argon2_in_every_environment_but_the_tests():
    from jobcenter.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        encoded = make_password("en lang og god passphrase om æbler og pærer")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("en lang og god passphrase om æbler og pærer", encoded)
