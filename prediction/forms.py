"""Forms of the model registry pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from prediction.selectors import feature_specs_list

NOTE_MAX_LENGTH = 2000


def _note(label, *, required: bool, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
    )


class TrainForm(forms.Form):
    """Which specification to train on: one the user's jobcenter may use."""

    specification = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, jobcenter_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specification"].queryset = feature_specs_list(jobcenter_id=jobcenter_id)


class ApproveForm(forms.Form):
    """Approval. For a version that fails the quality gate the form also asks for an
    explicit acknowledgement and a written reason (the service refuses without them)."""

    note = _note(_("Bemærkning (valgfri)"), required=False)

    def __init__(self, *args, gate_failed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate_failed = gate_failed
        if gate_failed:
            self.fields["gate_acknowledged"] = forms.BooleanField(
                label=_(
                    "Jeg ved, at denne version ikke består kvalitetskravet, og godkender den "
                    "alligevel"
                ),
                required=True,
            )
            self.fields["gate_reason"] = _note(
                _("Begrundelse for at godkende trods advarslen"),
                required=True,
                help_text=_("Begrundelsen logges sammen med godkendelsen."),
            )


class RejectForm(forms.Form):
    note = _note(_("Begrundelse for afvisning"), required=True)


class ReasonForm(forms.Form):
    """Activate, retire and roll back: an optional reason for the log."""

    reason = _note(_("Begrundelse (valgfri)"), required=False)


class ActivateForm(forms.Form):
    pass


class ScoringPauseForm(forms.Form):
    """The stop switch. Stopping all scoring needs a reason; resuming does not."""

    paused = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = _note(
        _("Begrundelse"),
        required=False,
        help_text=_("Skal udfyldes, når beregningen af estimater stoppes. Begrundelsen logges."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("paused") and not cleaned.get("reason"):
            self.add_error(
                "reason", _("Skriv en begrundelse for at stoppe al beregning af estimater.")
            )
        return cleaned


class AutoPromoteForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
