"""The rows of the citizen page's inputs table, each with its own small correction form:
``{% input_rows input_forms %}``.

Written in Python rather than as a template loop because it is the largest part of the
most used page: ten inputs of about sixty template nodes each took about 3 ms a page
in Django's template engine (bench/bench_citizen_page.py), and a tenth of that here.
The HTML is what the template loop wrote; every value is escaped (``format_html``,
``escape``), and the texts are the same translatable strings
(``blocktranslate`` texts with their ``%(name)s`` placeholders), so the catalogues
keep them."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.display import date_text
from casework.templatetags.casework_format import number

register = template.Library()

DASH = "–"


def _text(message: str, **values) -> str:
    """A translated text with its placeholders filled by escaped values, as
    ``{% blocktranslate %}`` fills them (the text itself may hold markup)."""
    return mark_safe(message % {k: conditional_escape(v) for k, v in values.items()})  # noqa: S308


def _errors(errors) -> str:
    return " ".join(conditional_escape(e) for e in errors)


def _described_by(errors, error_id: str) -> str:
    if not errors:
        return ""
    return format_html(' aria-invalid="true" aria-describedby="{}"', error_id)


def _value_field(row, entry, language: str) -> str:
    name = row.name
    errors = entry["errors"].get("value") if entry["errors"] else None
    described = _described_by(errors, f"correct-{name}-value-error")
    value = entry["data"]["value"]
    if row.choices:
        options = [format_html('<option value="">{}</option>', _("mangler"))]
        for choice, label in row.choices:
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    choice,
                    " selected" if choice == value else "",
                    label,
                )
            )
        field = format_html(
            '<select name="value" id="correct-{}-value"{}>\n'
            "              {}\n"
            "            </select>",
            name,
            described,
            mark_safe("".join(options)),  # noqa: S308 - each option is escaped above
        )
    else:
        field = format_html(
            '<input type="text" inputmode="decimal" name="value" id="correct-{}-value" '
            'value="{}" maxlength="100"{}>',
            name,
            value,
            described,
        )
        if row.minimum or row.maximum:
            low, high = number(row.minimum), number(row.maximum)
            field += format_html(
                '\n            <span class="help">{}</span>',
                _text(_("Fra %(low)s til %(high)s"), low=low, high=high),
            )
    if errors:
        field += format_html(
            '\n            <p class="error" id="correct-{}-value-error">{}</p>',
            name,
            mark_safe(_errors(errors)),  # noqa: S308 - escaped by _errors
        )
    return field


def _row(entry, *, citizen_url: str, snapshot_id, csrf_token: str, language: str) -> str:
    row = entry["item"]
    name = row.name
    errors = entry["errors"] or {}
    if row.missing:
        value = format_html("<em>{}</em>", _("mangler"))
    else:
        value = conditional_escape(row.value)
    value += SafeString("\n        ")
    if row.corrected:
        value += format_html(
            '<br><span class="muted" id="input-{}-original">{}</span>',
            name,
            _text(
                _("Oprindelig: %(value)s (kilde: %(source)s, %(date)s)"),
                value=row.original_value or DASH,
                source=row.original_source or DASH,
                date=date_text(row.original_date, language) or DASH,
            ),
        )
    other_errors = ""
    if entry["other_errors"]:
        other_errors = format_html(
            '<p class="error" role="alert">{}</p>',
            mark_safe(_errors(entry["other_errors"])),  # noqa: S308 - escaped by _errors
        )
    label = _text(_("Rigtig værdi for %(label)s"), label=row.label)
    if row.unit:
        label += format_html(" ({})", row.unit)
    source_errors = errors.get("source")
    source_error = ""
    if source_errors:
        source_error = format_html(
            '\n            <p class="error" id="correct-{}-source-error">{}</p>',
            name,
            mark_safe(_errors(source_errors)),  # noqa: S308 - escaped by _errors
        )
    return format_html(
        '\n    <tr id="input-{name}">\n'
        '      <th scope="row">{label}</th>\n'
        "      <td>{value}</td>\n"
        "      <td>{source}</td>\n"
        "      <td>{date}</td>\n"
        "      <td>\n"
        '        <details id="correct-{name}"{open}>\n'
        "          <summary>{summary}</summary>\n"
        '          <form method="post" action="{action}" class="stacked" novalidate>'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="action" value="correction">\n'
        '            <input type="hidden" name="snapshot_id" value="{snapshot}">\n'
        '            <input type="hidden" name="feature" value="{name}">\n'
        "            {other_errors}\n"
        '            <label for="correct-{name}-value">{value_label}</label>\n'
        "            {field}\n"
        '            <label for="correct-{name}-source">{source_label}</label>\n'
        '            <input type="text" name="source" id="correct-{name}-source"'
        ' value="{source_value}" maxlength="200" required{source_described}>{source_error}\n'
        '            <label for="correct-{name}-reason">{reason_label}</label>\n'
        '            <textarea name="reason" id="correct-{name}-reason" rows="2" maxlength="2000">'
        "{reason}</textarea>\n"
        '            <button type="submit" id="correct-{name}-submit">{submit}</button>\n'
        "          </form>\n"
        "        </details>\n"
        "      </td>\n"
        "    </tr>\n  ",
        name=name,
        label=row.label,
        value=value,
        source=row.source or DASH,
        date=date_text(row.date, language) or DASH,
        open=" open" if entry["open"] else "",
        summary=_text(_('Ret <span class="visually-hidden">%(label)s</span>'), label=row.label),
        action=citizen_url,
        csrf=csrf_token,
        snapshot="" if snapshot_id is None else snapshot_id,
        other_errors=other_errors,
        value_label=label,
        field=_value_field(row, entry, language),
        source_label=_("Kilde til den rigtige værdi"),
        source_value=entry["data"]["source"],
        source_described=_described_by(source_errors, f"correct-{name}-source-error"),
        source_error=source_error,
        reason_label=_("Bemærkning"),
        reason=entry["data"]["reason"],
        submit=_("Gem rettelsen"),
    )


@register.simple_tag(takes_context=True)
def input_rows(context, input_forms, citizen_url, snapshot) -> SafeString:
    """The inputs table's rows (``input_forms``: ``citizen_page._prefill`` of each
    input row), each posting its correction of ``snapshot`` to ``citizen_url``."""
    language = get_language() or "da"
    csrf_token = str(context["csrf_token"])  # what {% csrf_token %} writes
    snapshot_id = snapshot.pk if snapshot is not None else None
    return mark_safe(  # noqa: S308 - every part is built with format_html or escaped
        "".join(
            _row(
                entry,
                citizen_url=citizen_url,
                snapshot_id=snapshot_id,
                csrf_token=csrf_token,
                language=language,
            )
            for entry in input_forms
        )
    )
