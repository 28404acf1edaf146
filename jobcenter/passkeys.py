"""Passkeys (WebAuthn) as the other second factor, by django-otp-webauthn: its
ceremony views, with our audit events and the login's second step marked done.

Registering needs the second factor first when the user already has one (the library
checks); a passkey is never a way in without the password
(``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False``). The ceremonies need JavaScript
(the browser's WebAuthn API); everything else of the login works without it."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from jobcenter.middleware import SECOND_FACTOR_PENDING
from jobcenter.services import passkey_login_record, passkey_registration_record


class PasskeyRegistrationComplete(CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            passkey_registration_record(user=self.request.user)
            self.request.session.pop(SECOND_FACTOR_PENDING, None)
        return response


class PasskeyAuthenticationComplete(CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        super().complete_auth(device)
        self.request.session.pop(SECOND_FACTOR_PENDING, None)
        passkey_login_record(user=device.user)


app_name = "otp_webauthn"  # the library's own templates and scripts reverse these names
urlpatterns = [
    path(
        "registration/begin/",
        BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    # The scripts' texts: English as written, Danish from our own catalogue
    # (locale/da/LC_MESSAGES/djangojs.po, merged in from LOCALE_PATHS).
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
