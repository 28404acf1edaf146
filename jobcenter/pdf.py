"""PDF from a Django template, with WeasyPrint: the DPO's reports and the caseworker's
letter to the citizen use the same helper.

The HTML is rendered exactly as for the browser (same template language, gettext, the
request's language) and laid out by WeasyPrint. Nothing outside the document is
fetched: no network, no files (a template that wants a style puts it in a ``<style>``
element), so a value that ends up in a URL cannot make the server read or request
anything.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PDF_CONTENT_TYPE = "application/pdf"

# WeasyPrint reports every layout step at INFO; only its warnings belong in our logs.
logging.getLogger("weasyprint").setLevel(logging.WARNING)


@cache
def _weasyprint():
    """WeasyPrint, imported on first use (it takes a while, and most processes never
    make a PDF), with a URL fetcher that refuses every URL: WeasyPrint logs the refusal
    and leaves the resource out."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NoExternalResources(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError("PDF templates do not load external resources")

    return HTML, NoExternalResources


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here: its system libraries (Pango) are missing."""


def pdf_unavailable_reason() -> str | None:
    """None when PDFs can be made here; otherwise why not."""
    try:
        _weasyprint()
    except (ImportError, OSError) as exc:
        return f"WeasyPrint cannot load its system libraries (Pango): {exc}"
    return None


# PDF/UA-1: a tagged PDF (structure tree, /MarkInfo) with the document's language
# (from ``<html lang>``) and title, so a screen reader can read it in order.
ACCESSIBLE_VARIANT = "pdf/ua-1"


def pdf_from_html(html: str, *, accessible: bool = False) -> bytes:
    """The PDF of ``html``; ``accessible``: tagged for assistive technology (PDF/UA-1),
    for documents a citizen reads."""
    reason = pdf_unavailable_reason()
    if reason is not None:
        raise PdfUnavailable(reason)
    html_class, fetcher_class = _weasyprint()
    options = {"pdf_variant": ACCESSIBLE_VARIANT} if accessible else {}
    document = html_class(string=html, base_url=None, url_fetcher=fetcher_class())
    return document.write_pdf(**options)


def pdf_from_template(
    template_name: str,
    context: dict[str, Any],
    request: HttpRequest | None = None,
    *,
    accessible: bool = False,
) -> bytes:
    """The PDF bytes of ``template_name`` rendered with ``context`` (and the request,
    for its language and context processors)."""
    return pdf_from_html(
        render_to_string(template_name, context, request=request), accessible=accessible
    )


def pdf_response(content: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
