"""Each request gets a UUID that travels into log lines, audit rows and the
``X-Request-ID`` response header (after NetBox)."""

import logging
import uuid

from django.utils.functional import SimpleLazyObject

from jobcenter.request_context import RequestContext, reset_request_context, set_request_context

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4()
        token = set_request_context(
            RequestContext(
                request_id=request.id,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                path=request.path[:300],
                user=SimpleLazyObject(lambda: getattr(request, "user", None)),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = str(request.id)
        return response


class PdfUnavailableMiddleware:
    """A PDF asked for on a server without WeasyPrint's system libraries gets a clear
    page (503) instead of an error page; the printable HTML version still works, and
    nothing was recorded: the view's transaction was rolled back with the exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import HttpResponse
        from django.utils.html import escape
        from django.utils.translation import gettext

        from jobcenter.pdf import PdfUnavailable

        if not isinstance(exception, PdfUnavailable):
            return None
        logger.error("PDF unavailable: %s", exception)
        message = gettext(
            "PDF kan ikke dannes på denne server lige nu. Brug udskriftsversionen i stedet, "
            "og kontakt driften."
        )
        return HttpResponse(
            f'<!DOCTYPE html><html lang="{escape(request.LANGUAGE_CODE)}"><title>503</title>'
            f'<p role="alert">{escape(message)}</p></html>',
            status=503,
        )
