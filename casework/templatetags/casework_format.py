"""One date format on a page, in the active language: ``{{ day|day }}`` reads
"15. juni 1994" in Danish and "15 June 1994" in English; ``|day_time`` adds the time."""

from django import template
from django.utils.translation import get_language

from casework.display import date_text

register = template.Library()


@register.filter
def day(value) -> str:
    return date_text(value, get_language() or "da")


@register.filter
def day_time(value) -> str:
    return date_text(value, get_language() or "da", with_time=True)
