"""The cockpit's filters: period, team and benefit type, from what the figures hold."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cockpit.display import month_label
from cockpit.selectors import Filters
from cockpit.tables import benefit_choices


class CockpitFilterForm(forms.Form):
    first = forms.ChoiceField(label=_("Fra måned"), required=False)
    last = forms.ChoiceField(label=_("Til måned"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    benefit = forms.ChoiceField(label=_("Ydelse"), required=False)

    def __init__(self, data=None, *, months, teams):
        super().__init__(data)
        month_choices = [(m.isoformat(), month_label(m)) for m in months]
        self.fields["first"].choices = [("", _("Første måned med tal")), *month_choices]
        self.fields["last"].choices = [("", _("Seneste måned med tal")), *month_choices]
        self.fields["team"].choices = [
            ("", _("Hele jobcentret")),
            *((str(t.pk), t.name) for t in teams),
        ]
        self.fields["benefit"].choices = benefit_choices()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and first > last:
            raise forms.ValidationError(_("“Fra måned” skal ligge før “Til måned”."))
        return cleaned

    def filters(self) -> Filters:
        """The valid filters; an invalid form shows every month of the whole jobcenter."""
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            first=datetime.date.fromisoformat(data["first"]) if data.get("first") else None,
            last=datetime.date.fromisoformat(data["last"]) if data.get("last") else None,
            team_id=int(data["team"]) if data.get("team") else None,
            benefit_type=data.get("benefit") or "",
        )


class ReportForm(forms.Form):
    month = forms.ChoiceField(label=_("Måned"))
    language = forms.ChoiceField(
        label=_("Sprog"), choices=[("da", _("Dansk")), ("en", _("Engelsk"))], initial="da"
    )

    def __init__(self, data=None, *, months):
        super().__init__(data)
        self.fields["month"].choices = [(m.isoformat(), month_label(m)) for m in reversed(months)]
