from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models import (
    Agreement,
    BenefitType,
    BreakGlassAccess,
    JudgementReason,
    NextStep,
    Objection,
    RiskBand,
    RuleFeedback,
)
from casework.selectors import CASELOAD_SORTS, AssessmentStatus
from jobcenter.validators import no_cpr_number


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
            (AssessmentStatus.ASSESSED, pgettext_lazy("caseload", "Vurderet")),
            (AssessmentStatus.OBJECTION, _("Indsigelse mod profilering")),
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


def _required(message):
    return {"required": message}


class DisagreementReasonFields(forms.Form):
    """The reason for disagreeing with the estimate, asked for in the judgement and in
    the answer after a reveal: a category and the caseworker's own words, both needed
    when the answer is "disagree"."""

    reason_category = forms.ChoiceField(
        label=_("Begrundelse"),
        choices=[("", _("Vælg en begrundelse")), *JudgementReason.choices],
        required=False,
        help_text=_("Skal udfyldes, når du er uenig med modellen."),
    )
    reason_text = forms.CharField(
        validators=[no_cpr_number],
        label=_("Begrundelse med dine egne ord"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean(self):
        data = super().clean()
        if data.get("agreement") == Agreement.DISAGREE:
            if not data.get("reason_category"):
                self.add_error("reason_category", _("Vælg en begrundelse, når du er uenig."))
            if not (data.get("reason_text") or "").strip():
                self.add_error("reason_text", _("Skriv en begrundelse, når du er uenig."))
        return data


class JudgementForm(DisagreementReasonFields):
    """The caseworker's own judgement. Nothing is pre-selected: the system never proposes
    a risk, an agreement or an offer."""

    snapshot_id = forms.IntegerField(widget=forms.HiddenInput)
    estimate_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    risk_band = forms.ChoiceField(
        label=_("Din egen vurdering af risikoen for fortsat ledighed om 12 måneder"),
        choices=RiskBand.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Vælg din egen vurdering af risikoen.")),
    )
    agreement = forms.ChoiceField(
        label=_("Er du enig med modellens estimat?"),
        choices=[(Agreement.AGREE, _("Enig")), (Agreement.DISAGREE, _("Uenig"))],
        widget=forms.RadioSelect,
        required=False,
    )
    next_step = forms.ChoiceField(
        label=_("Planlagt næste skridt"),
        choices=[("", _("Vælg næste skridt")), *NextStep.choices],
        error_messages=_required(_("Vælg det planlagte næste skridt.")),
    )

    field_order = [
        "snapshot_id",
        "estimate_id",
        "risk_band",
        "agreement",
        "reason_category",
        "reason_text",
        "next_step",
    ]


class RevealAnswerForm(DisagreementReasonFields):
    """The one short question once the estimate is shown to someone who judged first."""

    judgement_id = forms.IntegerField(widget=forms.HiddenInput)
    estimate_id = forms.IntegerField(widget=forms.HiddenInput)
    agreement = forms.ChoiceField(
        label=_("Nu hvor du har set modellens estimat: er du enig?"),
        choices=[(Agreement.AGREE, _("Enig")), (Agreement.DISAGREE, _("Uenig"))],
        widget=forms.RadioSelect,
        error_messages=_required(_("Angiv, om du er enig eller uenig med modellens estimat.")),
    )

    field_order = ["judgement_id", "estimate_id", "agreement", "reason_category", "reason_text"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "reveal")
        super().__init__(*args, **kwargs)


class RuleFeedbackForm(forms.Form):
    estimate_id = forms.IntegerField(widget=forms.HiddenInput)
    feature = forms.CharField(widget=forms.HiddenInput, max_length=100)
    kind = forms.ChoiceField(
        label=_("Reglen er"),
        choices=RuleFeedback.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Angiv, om reglen er irrelevant eller misvisende.")),
    )
    comment = forms.CharField(
        validators=[no_cpr_number],
        label=_("Kommentar til datateamet"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class CorrectionForm(forms.Form):
    snapshot_id = forms.IntegerField(widget=forms.HiddenInput)
    feature = forms.CharField(widget=forms.HiddenInput, max_length=100)
    value = forms.CharField(label=_("Rigtig værdi"), required=False, max_length=100)
    # Not required here: the service checks the value and the source together, so a
    # bad value and a missing source are both reported at once.
    source = forms.CharField(
        validators=[no_cpr_number],
        label=_("Kilde til den rigtige værdi"),
        max_length=200,
        required=False,
    )
    reason = forms.CharField(
        validators=[no_cpr_number],
        label=_("Bemærkning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ObjectionForm(forms.Form):
    received_on = forms.DateField(
        label=_("Dato for indsigelsen"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Skriv datoen for indsigelsen."),
            "invalid": _("Skriv en gyldig dato (åååå-mm-dd)."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Hvordan kom indsigelsen?"),
        choices=[("", _("Vælg kanal")), *Objection.Channel.choices],
        error_messages=_required(_("Vælg, hvordan indsigelsen kom.")),
    )
    note = forms.CharField(
        validators=[no_cpr_number],
        label=_("Bemærkning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ObjectionWithdrawForm(forms.Form):
    note = forms.CharField(
        validators=[no_cpr_number],
        label=_("Bemærkning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class BreakGlassForm(forms.Form):
    """The CPR number comes by POST only; the form is never sent by GET."""

    cpr = forms.CharField(
        label=_("Borgerens CPR-nummer"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages=_required(_("Skriv borgerens CPR-nummer.")),
    )
    reason_category = forms.ChoiceField(
        label=_("Årsag"),
        choices=[("", _("Vælg en årsag")), *BreakGlassAccess.Reason.choices],
        error_messages=_required(_("Vælg en årsag.")),
    )
    reason_text = forms.CharField(
        validators=[no_cpr_number],
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages=_required(_("Skriv, hvorfor du skal se borgeren.")),
    )


class JudgementFirstForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Sagsbehandleren registrerer sin egen vurdering, før modellens estimat vises"),
        required=False,
    )
