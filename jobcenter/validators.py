"""Validators shared by every form with free text."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jobcenter.logging import CPR_PATTERN

__all__ = ["no_cpr_number"]


def no_cpr_number(value: str) -> None:
    """Refuses free text with a CPR-shaped number (six digits, an optional dash or space,
    four digits). Free text is stored in clear, and some of it in the audit log, which
    cannot be changed afterwards; the citizen is already named by the page it is on."""
    if value and CPR_PATTERN.search(value):
        raise ValidationError(
            _(
                "Skriv ikke et CPR-nummer i teksten: den gemmes ukrypteret, og borgeren "
                "fremgår allerede af sagen. Fjern nummeret, og prøv igen."
            ),
            code="cpr_in_text",
        )
