from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import BenefitType
from casework.selectors import CASELOAD_SORTS, AssessmentStatus


class CitizenSearchForm(forms.Form):
    query = forms.CharField(
        label=_("CPR-nummer eller navn"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("CPR-nummeret sendes ikke i adresselinjen og gemmes ikke i loggen."),
    )


class CaseloadFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Vis"),
        choices=[("mine", _("Min sagsstamme")), ("team", _("Hele teamet"))],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Vurdering"),
        choices=[
            ("", _("Alle")),
            (AssessmentStatus.WAITING, _("Venter på vurdering")),
            (AssessmentStatus.NOT_YET, _("Endnu ikke muligt (før 2. samtale)")),
            (AssessmentStatus.NO_DATA, _("Mangler oplysninger")),
        ],
        required=False,
    )
    benefit_type = forms.ChoiceField(
        label=_("Ydelse"), choices=[("", _("Alle")), *BenefitType.choices], required=False
    )
    sort = forms.ChoiceField(
        label=_("Sortér efter"),
        choices=[
            ("name", _("Navn")),
            ("start", _("Forløbets start (ældste først)")),
            ("-start", _("Forløbets start (nyeste først)")),
            ("-last_meeting", _("Seneste samtale")),
            ("meetings", _("Antal samtaler")),
        ],
        required=False,
    )

    def clean_sort(self):
        value = self.cleaned_data.get("sort") or "name"
        return value if value in CASELOAD_SORTS else "name"
