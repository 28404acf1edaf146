"""Passkeys (WebAuthn, django-otp-webauthn) as the other second factor, in Chromium with
a virtual authenticator (the DevTools protocol's WebAuthn domain): a user adds a
passkey on the account page, and the next login's second step takes it instead of a
code. Both steps are audit events; the page fixture checks that no CSP violation was
reported on the way."""

import re

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def passkey_settings(settings, live_server):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


def _virtual_authenticator(page):
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session


def _password(page, username):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_a_passkey_is_added_and_then_opens_the_second_step(
    page, caseworker, citizen, passkey_settings
):
    _virtual_authenticator(page)
    _password(page, "alice")
    page.wait_for_url(re.compile(r"/citizens/$"))
    page.goto("/account/")
    page.get_by_role("button", name="Tilføj en nøgle").click()
    status = page.locator("#passkey-register-status-message")
    status.and_(page.locator("[data-status-enum=success]")).wait_for()
    assert status.inner_text() == "Nøglen er tilføjet."  # the script speaks Danish too
    assert WebAuthnCredential.objects.filter(user=caseworker, confirmed=True).count() == 1
    enrol = AuditEvent.objects.get(action="auth.otp_enrol")
    assert enrol.details["device"] == "webauthn"

    page.get_by_role("button", name="Log ud").click()
    _password(page, "alice")
    page.wait_for_url(re.compile(r"/login/two-factor/"))
    assert page.get_by_role("heading", name="Eller brug din nøgle (passkey)").is_visible()
    page.get_by_role("button", name="Brug din nøgle").click()
    page.wait_for_url(re.compile(r"/citizens/$"))
    assert page.get_by_role("heading", name="Min sagsstamme").is_visible()
    login = AuditEvent.objects.filter(action="auth.login").order_by("pk").last()
    assert login.details == {"step": "second_factor", "device": "webauthn"}
