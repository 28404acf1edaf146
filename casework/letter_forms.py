"""The letter's options, by GET (the letter is a read): its language, and whether the
caseworker's own words from the judgement are quoted (off unless chosen)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.letters import LANGUAGES


class LetterOptionsForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Brevets sprog"),
        choices=[("da", "Dansk"), ("en", "English")],
        required=False,
        widget=forms.RadioSelect,
    )
    own_words = forms.BooleanField(
        label=_("Medtag sagsbehandlerens egne ord fra den faglige vurdering"),
        help_text=_(
            "Kun når du har skrevet dem til borgeren. Uden markering står kun "
            "vurderingen, begrundelsens kategori og det planlagte næste skridt i brevet."
        ),
        required=False,
    )

    def options(self, *, default_language: str) -> tuple[str, bool]:
        """The language and the own-words choice; an unknown language is the default."""
        data = self.cleaned_data if self.is_valid() else {}
        language = data.get("language") or default_language
        if language not in LANGUAGES:
            language = default_language
        return language, bool(data.get("own_words"))
