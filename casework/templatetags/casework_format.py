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


@register.filter
def number(value) -> str:
    """A number as the active language writes it: 4.946 in Danish, 4,946 in English."""
    from prediction.specification import format_number

    if value in (None, ""):
        return ""
    try:
        return format_number(float(value), get_language() or "da")
    except (TypeError, ValueError):
        return str(value)
