"""Each request gets a UUID that travels into log lines, audit rows and the
``X-Request-ID`` response header (after NetBox)."""

import logging
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

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


SESSION_STARTED = "_session_started"
SESSION_SEEN = "_session_seen"


def session_lifetime_start(request) -> None:
    """Called at login: the absolute lifetime counts from here."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


class SessionLifetimeMiddleware:
    """Idle expiry and an absolute lifetime for every session (ASVS 3.3).

    The idle expiry is the session's own (``SESSION_COOKIE_AGE``), moved on when the
    session is saved; saving it at most once a minute keeps page views from writing the
    session every time. After ``SESSION_MAX_HOURS`` from login the user is logged out
    and sent to the login page with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED, now)
            if now - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.info(
                    request,
                    _("Du er logget ud, fordi du har været logget ind i %(hours)s timer.")
                    % {"hours": settings.SESSION_MAX_HOURS},
                )
                return redirect_to_login(request.path if request.method == "GET" else "/")
            if now - request.session.get(SESSION_SEEN, 0) >= 60:
                request.session[SESSION_SEEN] = now  # saved: the idle expiry moves on
        return self.get_response(request)
