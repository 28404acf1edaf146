"""Two factors and the lockout as a person meets them in Chromium: setting up an
authenticator from the QR page's key, the recovery codes, logging in with a code from
the app, and the lockout page after repeated wrong passwords. No CSP violation on any
of these pages (the fixture checks), and axe finds nothing serious on the setup page."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_accessibility import axe, severe_violations  # noqa: F401 - fixture
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _password(page, username, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def _app_code(text_key: str) -> str:
    """What an authenticator app shows for the key typed in by hand."""
    key = base64.b32decode(text_key.replace(" ", "") + "=" * (-len(text_key.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


def test_a_new_user_sets_up_an_authenticator_and_gets_recovery_codes(
    page, axe, caseworker, citizen, required  # noqa: F811
):
    _password(page, "alice")
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    assert page.get_by_role("heading", name="Opsæt totrinsbekræftelse").is_visible()
    assert page.locator("figure.qr svg").is_visible()  # drawn on the server
    assert severe_violations(axe, page) == []
    # Nothing else opens before the second factor.
    page.goto("/citizens/")
    page.wait_for_url(re.compile(r"/account/two-factor/"))

    page.get_by_label("Kode fra appen").fill("000000")
    page.get_by_role("button", name="Bekræft").click()
    assert page.get_by_role("alert").inner_text().startswith("Koden passer ikke")

    # The wrong code slowed the next try down by a second, as django-otp does.
    page.wait_for_timeout(1100)
    key = page.locator("code.text-key").inner_text()
    page.get_by_label("Kode fra appen").fill(_app_code(key))
    page.get_by_role("button", name="Bekræft").click()
    assert page.get_by_role("heading", name="Dine gendannelseskoder").is_visible()
    codes = page.locator("ul.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Jeg har gemt koderne – fortsæt").click()
    page.wait_for_url(re.compile(r"/citizens/$"))
    assert page.get_by_role("heading", name="Min sagsstamme").is_visible()


def test_a_user_logs_in_with_a_code_from_the_app(page, caseworker, citizen, required):
    device = TOTPDevice.objects.create(user=caseworker, name="authenticator", confirmed=True)
    _password(page, "alice")
    page.wait_for_url(re.compile(r"/login/two-factor/"))
    assert "Din adgangskode er godkendt" in page.content()
    page.get_by_label("Kode").fill(f"{totp(device.bin_key):06d}")
    page.get_by_label("Kode").press("Enter")
    page.wait_for_url(re.compile(r"/citizens/$"))
    assert page.get_by_role("row", name=re.compile("Karen Jensen")).is_visible()


def test_five_wrong_passwords_lock_the_login_with_a_clear_message(page, caseworker):
    for _ in range(5):
        _password(page, "alice", "not-the-password")
    assert page.get_by_role("heading", name="Login spærret").is_visible()
    assert "5 gange" in page.get_by_role("alert").inner_text()
    _password(page, "alice")  # the right password does not help now
    assert page.get_by_role("heading", name="Login spærret").is_visible()
