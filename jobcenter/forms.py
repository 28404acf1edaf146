"""Forms of the login's second step and of setting up a second factor."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jobcenter.validators import no_cpr_number


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


class GrantDecisionForm(forms.Form):
    grant = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("confirm", "confirm"), ("reject", "reject")])
    note = forms.CharField(
        label=_("Bemærkning (valgfri)"),
        required=False,
        max_length=500,
        validators=[no_cpr_number],
    )
