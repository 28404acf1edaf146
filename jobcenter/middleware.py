"""Each request gets a UUID that travels into log lines, audit rows and the
``X-Request-ID`` response header (after NetBox)."""

import logging
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jobcenter.logging import mask_cpr_in_text
from jobcenter.models import Role
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
                path=mask_cpr_in_text(request.path)[:300],
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


SECOND_FACTOR_PENDING = "_second_factor_pending"
# The pages a user who has given the password but not yet the second factor may see.
SECOND_FACTOR_STEPS = {"two_factor_verify", "two_factor_setup", "logout", "set_language"}


class SecondFactorRequiredMiddleware:
    """No page before the second factor (django-otp's ``is_verified``).

    In production every logged-in user must be verified, however they logged in. Where
    two factors are not required of everybody (development, the demo), a user who has
    set one up is held to it from the login view, which marks the session; so a page
    view costs no extra query for those who have none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from jobcenter.api.authentication import api_key_sent

        if api_key_sent(request):
            return None  # the API authenticates the key itself; no session is used
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if user.has_role(Role.SERVICE):
            # A service account works with its API key only, never through a session.
            if request.resolver_match is not None and request.resolver_match.url_name == "logout":
                return None
            logout(request)
            return _refusal(
                request, gettext_noop("En tjenestekonto kan kun bruge API'et med sin API-nøgle.")
            )
        pending = settings.TWO_FACTOR_REQUIRED or request.session.get(SECOND_FACTOR_PENDING)
        if not pending or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and (
            match.url_name in SECOND_FACTOR_STEPS or match.namespace == "otp_webauthn"
        ):
            return None
        if request.path.startswith("/api/"):
            return _refusal(
                request, gettext_noop("Bekræft dit login med andet trin, før du bruger API'et.")
            )
        from jobcenter.two_factor import confirmed_devices

        step = "two_factor_verify" if confirmed_devices(user) else "two_factor_setup"
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")


def _refusal(request, msgid: str):
    """A 403: a problem (RFC 9457, in Danish and English) under /api/, else the
    refusal page."""
    if request.path.startswith("/api/"):
        from jobcenter.api.problems import problem, problem_response

        with translation.override("da"):
            body = problem(
                status_code=403, detail=_(msgid), instance=request.path, code="forbidden"
            )
        return problem_response(body)
    return HttpResponse(
        loader.render_to_string("403.html", {"exception": _(msgid)}, request), status=403
    )


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page, export, PDF and API answer: citizens'
    data must not stay in a browser's or a proxy's cache on a shared or stolen laptop.
    Static files, answered before this by WhiteNoise, keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate
        return response


class ServiceUnavailableMiddleware:
    """The database gone (unreachable, restarting, out of connections): a clear 503 page
    in Danish and English, no traceback, with ``Retry-After``. The request's
    transaction was rolled back with the exception, so nothing is half-written; the
    next request reconnects by itself (``CONN_HEALTH_CHECKS``). The page is rendered
    without the request, since the user and the session would need the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return service_unavailable_response(exception)


def service_unavailable_response(exception) -> HttpResponse | None:
    """The 503 page for a database that is gone or an audit log that refused the event;
    None for any other exception. Also used by ``jobcenter.views.server_error`` for the
    database failing in a middleware (the session, the user), before any view."""
    from audit.services import AuditUnavailable

    if isinstance(exception, AuditUnavailable):
        # The event could not be written (disk full, the log refusing): the action it
        # recorded was rolled back with it, and the page says so.
        logger.error("Audit log unavailable: %s", exception)
        page = loader.render_to_string("503.html", {"audit_unavailable": True})
    elif isinstance(exception, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", type(exception).__name__)
        page = loader.render_to_string("503.html")
    else:
        return None
    response = HttpResponse(page, status=503)
    response["Retry-After"] = "60"
    return response
