"""The second factor (django-otp): which devices a user has, and the QR code that sets
up an authenticator app, drawn on the server as SVG (no script, no outside service)."""

import base64

import segno
from django.conf import settings
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "authenticator"


def second_factor_required(user) -> bool:
    """Production asks everybody; elsewhere only those who have set one up."""
    return settings.TWO_FACTOR_REQUIRED or user_has_device(user, confirmed=True)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def unconfirmed_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    return device.token_set.count() if device else 0


def confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))


def text_key(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed: base32, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG: attributes only (no style element), so
    the strict Content Security Policy holds."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="QR", svgclass=None, lineclass=None
    )


def passkey_count(user) -> int:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
