"""Template filters for local dates and times in words (see ``dpo.display``)."""

from django import template

from dpo.display import local_date_text, local_datetime_text, local_time_text, time_zone_note

register = template.Library()

register.filter("local_date", local_date_text)
register.filter("local_datetime", local_datetime_text)
register.filter("local_time", local_time_text)
register.simple_tag(time_zone_note, name="time_zone_note")
