"""Forms of the login's second step and of setting up a second factor."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Kode"),
        max_length=16,
        help_text=_("Seks cifre fra din godkendelsesapp, eller en af dine gendannelseskoder."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class AuthenticatorConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("Kode fra appen"),
        max_length=8,
        help_text=_("Skriv de seks cifre, appen viser nu."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
