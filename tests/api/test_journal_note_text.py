"""The journal note's text, a pure function: no database."""

import datetime

from casework.journal_note import NoteEstimate, NoteJudgement, NoteModel, journal_note_text

JUDGEMENT = NoteJudgement(
    risk_band="medium",
    agreement="disagree",
    reason_category="health_social",
    reason_text="Borgeren er i behandling og kan ikke tage fuld tid endnu. ",
    next_step="mentor",
    made_on=datetime.date(2026, 11, 3),
    made_by="Alice Andersen",
)
ESTIMATE = NoteEstimate(probability=0.2163, band="low", interval=(0.169, 0.271))
MODEL = NoteModel(name="default", number=3)
ON = datetime.date(2026, 12, 6)


def test_it_puts_the_judgement_first_and_the_estimate_as_background():
    text = journal_note_text(judgement=JUDGEMENT, estimate=ESTIMATE, model=MODEL, on=ON)
    assert text.splitlines() == [
        "Faglig vurdering af risikoen for langvarig ledighed",
        "Sagsbehandlerens vurdering: Middel risiko.",
        "Forhold til modellens estimat: Uenig med modellens estimat.",
        "Begrundelse: Helbred eller sociale forhold.",
        "Med egne ord: Borgeren er i behandling og kan ikke tage fuld tid endnu.",
        "Planlagt næste skridt: Mentorstøtte.",
        "Vurderet 3.11.2026 af Alice Andersen.",
        "",
        "Baggrund: modellens estimat",
        "Estimeret risiko 22 % (lav). Usikkerhed (95 %-interval): 17 % til 27 %.",
        "Estimatet er en statistisk beregning til støtte for den faglige vurdering, "
        "ikke en afgørelse.",
        "Model: default, version 3.",
        "Dato: 6.12.2026.",
    ]


def test_without_a_judgement_or_an_estimate_it_says_so_and_why():
    text = journal_note_text(
        judgement=None,
        estimate=None,
        model=None,
        on=ON,
        withheld="Borgeren har gjort indsigelse mod profilering.",
    )
    lines = text.splitlines()
    assert lines[1] == "Der er endnu ikke registreret en faglig vurdering."
    assert "Borgeren har gjort indsigelse mod profilering." in lines
    assert "Model:" not in text and lines[-1] == "Dato: 6.12.2026."


def test_it_is_danish_whatever_language_is_active():
    from django.utils import translation

    with translation.override("en"):
        text = journal_note_text(judgement=JUDGEMENT, estimate=ESTIMATE, model=MODEL, on=ON)
    assert text.startswith("Faglig vurdering") and "Middel risiko" in text
