"""Two factors (django-otp): enrolment with a QR code drawn on the server, login with a
code from the app, ten single-use recovery codes, and nothing before the second step."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from jobcenter.models import Role
from jobcenter.services import recovery_codes_renew, second_factor_reset
from tests.factories import PASSWORD, make_staff


def _code(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _password_step(client, user, next_url=""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    # django-otp makes the user wait 2^(n-1) s after n wrong codes; these tests type the
    # right code at once after a wrong one (the wait itself has its own test below).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled(caseworker):
    device = TOTPDevice.objects.create(user=caseworker, name="authenticator", confirmed=True)
    return device


def test_in_production_the_password_alone_opens_nothing(client, caseworker, required):
    response = _password_step(client, caseworker)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    # Every page sends the user back to the second step, the admin too.
    for url in (reverse("casework:caseload"), reverse("home"), "/admin/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith(reverse("two_factor_setup")), url


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_code(
    client, caseworker, required
):
    _password_step(client, caseworker)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page and "<path" in page  # drawn on the server, no script
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    key = re.search(r'<code class="text-key">([A-Z2-7 ]+)</code>', page).group(1)
    assert len(key.replace(" ", "")) == 32

    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "Koden passer ikke" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()
    assert client.get(reverse("casework:caseload")).status_code == 302

    answer = client.post(reverse("two_factor_setup"), {"token": _code(device)})
    text = answer.content.decode()
    assert "Totrinsbekræftelse er sat op" in text
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("casework:caseload")).status_code == 200
    event = AuditEvent.objects.get(action="auth.otp_enrol")
    assert event.user_id == caseworker.pk and event.details["recovery_codes"] == 10
    assert not any(code in str(event.hashed_content()) for code in codes)


def test_login_with_a_code_from_the_app(client, caseworker, enrolled, required):
    response = _password_step(client, caseworker, next_url=reverse("casework:caseload"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(
        reverse("two_factor_verify"), {"token": "123456", "next": reverse("casework:caseload")}
    )
    assert "Koden passer ikke" in wrong.content.decode()
    failed = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert failed.details["step"] == "second_factor"

    answer = client.post(
        reverse("two_factor_verify"),
        {"token": _code(enrolled), "next": reverse("casework:caseload")},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("casework:caseload")
    assert client.get(reverse("casework:caseload")).status_code == 200
    # The same code cannot be used twice (a code seen over a shoulder is spent).
    client.post(reverse("logout"))
    _password_step(client, caseworker)
    again = client.post(reverse("two_factor_verify"), {"token": _code(enrolled)})
    assert "Koden passer ikke" in again.content.decode()


def test_a_recovery_code_works_once(client, caseworker, enrolled, required):
    codes = recovery_codes_renew(user=caseworker)
    _password_step(client, caseworker)
    answer = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert answer.status_code == 302
    assert client.get(reverse("casework:caseload")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.recovery_code").count() == 1
    assert StaticToken.objects.filter(device__user=caseworker).count() == 9

    client.post(reverse("logout"))
    _password_step(client, caseworker)
    reused = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert "Koden passer ikke" in reused.content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, caseworker, enrolled, required):
    old = recovery_codes_renew(user=caseworker)
    _password_step(client, caseworker)
    client.post(reverse("two_factor_verify"), {"token": _code(enrolled)})
    page = client.get(reverse("account_security")).content.decode()
    assert "Sat op" in page and "10" in page
    answer = client.post(reverse("recovery_codes_new")).content.decode()
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", answer)
    assert len(new) == 10 and not set(new) & set(old)


def test_replacing_the_authenticator_takes_the_second_factor_first(
    client, caseworker, enrolled, required
):
    _password_step(client, caseworker)
    answer = client.get(reverse("two_factor_setup"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("two_factor_verify"))


def test_outside_production_a_user_without_a_device_logs_in_with_the_password(
    client, caseworker
):
    response = _password_step(client, caseworker)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("casework:caseload")).status_code == 200


def test_outside_production_a_user_who_set_one_up_is_held_to_it(client, caseworker, enrolled):
    response = _password_step(client, caseworker)
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert client.get(reverse("casework:caseload")).status_code == 302
    client.post(reverse("two_factor_verify"), {"token": _code(enrolled)})
    assert client.get(reverse("casework:caseload")).status_code == 200


def test_an_administrator_resets_a_lost_phone_and_it_is_audited(
    client, caseworker, enrolled, jobcenter, required
):
    admin = make_staff("admin1", Role.ADMINISTRATOR, jobcenter=jobcenter)
    assert second_factor_reset(user=caseworker, actor=admin) == 1
    event = AuditEvent.objects.get(action="auth.otp_reset")
    assert event.user_id == admin.pk and event.object_id == str(caseworker.pk)
    response = _password_step(client, caseworker)
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_wrong_codes_slow_the_next_try_down(client, caseworker, enrolled, settings):
    settings.TWO_FACTOR_REQUIRED = True
    _password_step(client, caseworker)
    client.post(reverse("two_factor_verify"), {"token": "000000"})
    # Right away, even the right code is refused: guessing a million codes takes years.
    answer = client.post(reverse("two_factor_verify"), {"token": _code(enrolled)})
    assert "Koden passer ikke" in answer.content.decode()
    assert client.get(reverse("casework:caseload")).status_code == 302
