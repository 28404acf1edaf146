from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.actions import AuditAction
from audit.flags import AuditFlag
from audit.selectors import AuditFilters
from casework.cpr import InvalidCpr, cpr_parse
from jobcenter.validators import no_cpr_number


class AuditFilterForm(forms.Form):
    """The log's filters, by GET: nothing here identifies a citizen except their key."""

    citizen = forms.UUIDField(required=False, widget=forms.HiddenInput)
    user = forms.CharField(
        label=_("Medarbejder (brugernavn)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"list": "staff-usernames", "autocomplete": "off"}),
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    action = forms.ChoiceField(
        label=_("Handling"), choices=[("", _("Alle")), *AuditAction.choices], required=False
    )
    date_from = forms.DateField(
        label=_("Fra og med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Til og med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    flags = forms.MultipleChoiceField(
        label=_("Markeringer"),
        choices=AuditFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, staff, team_names, **kwargs):
        """``staff``: the jobcenter's members of staff. The user field is a text input
        with a ``<datalist>`` of their usernames (rendered by the template: a select of
        hundreds of options rendered through widget templates is slow)."""
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["team"].choices = [("", _("Alle")), *((name, name) for name in team_names)]

    def clean_user(self):
        username = (self.cleaned_data.get("user") or "").strip()
        if not username:
            return None
        user = self.staff.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("Ingen medarbejder i jobcentret med det brugernavn."))
        return user

    def staff_usernames(self) -> list[str]:
        return list(self.staff.values_list("username", flat=True))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("Fra-datoen ligger efter til-datoen."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters of a valid form (an invalid one filters on nothing)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return AuditFilters(
            citizen_id=data.get("citizen"),
            user=data.get("user"),
            team=data.get("team") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            flags=tuple(data.get("flags") or ()),
        )


class DpoCitizenSearchForm(forms.Form):
    """The CPR number comes by POST only; the page never shows it back."""

    cpr = forms.CharField(
        label=_("Borgerens CPR-nummer"),
        max_length=20,
        help_text=_("Sendes ikke i adresselinjen og gemmes ikke i loggen."),
    )

    def clean_cpr(self):
        try:
            return cpr_parse(self.cleaned_data["cpr"])
        except InvalidCpr as exc:  # the reason never repeats the number
            raise forms.ValidationError(str(exc)) from None


class ReportOptionsForm(forms.Form):
    names = forms.BooleanField(label=_("Medtag medarbejdernes navne"), required=False)


class BreakGlassReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Var adgangen begrundet?"),
        choices=[("justified", _("Begrundet")), ("not_justified", _("Ikke begrundet"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        validators=[no_cpr_number],
        label=_("Bemærkning"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )


class AccessReportForm(ReportOptionsForm):
    """The access report's options, by GET: names or not, and the period (local dates,
    both included; either may be left out)."""

    date_from = forms.DateField(
        label=_("Fra og med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Til og med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("date_from", _("Fra-datoen ligger i fremtiden."))
        if start and end and start > end:
            raise forms.ValidationError(
                _("Perioden slutter, før den begynder: fra-datoen ligger efter til-datoen.")
            )
        return cleaned
