"""``jobcenter.form_renderer.WidgetRenderer``: Django's widgets through Jinja2 with the
same HTML as Django's engine writes (whitespace between tags and an apostrophe's
escape aside), and the admin's widgets still drawn."""

import re

from django.forms.renderers import DjangoTemplates
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.utils import translation

from casework.forms import JudgementForm, ObjectionForm
from jobcenter.form_renderer import WidgetRenderer


def test_djangos_widgets_come_from_jinja2_and_the_admins_from_djangos_engine():
    renderer = WidgetRenderer()
    for _ in range(2):  # the second time from what the first found
        assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
        assert isinstance(
            renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate
        )


def test_the_citizen_pages_forms_are_drawn_as_djangos_engine_draws_them():
    fast, plain = WidgetRenderer(), DjangoTemplates()
    for language in ("da", "en"):
        with translation.override(language):
            for form_class, initial in (
                (JudgementForm, {"snapshot_id": 7, "estimate_id": 9}),
                (ObjectionForm, {"received_on": "2026-12-07"}),
            ):
                drawn = {}
                for name, renderer in (("fast", fast), ("plain", plain)):
                    form = form_class(initial=initial, renderer=renderer)
                    html = "".join(str(form[field]) for field in form.fields)
                    html = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))
                    drawn[name] = html.replace("> ", ">").replace(" <", "<")
                assert "<option" in drawn["plain"] or 'type="radio"' in drawn["plain"]
                assert drawn["fast"].replace("&#39;", "&#x27;") == drawn["plain"]
