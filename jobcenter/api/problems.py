"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Every error the API answers, whatever raised it, is ``{type, title, status, detail,
instance}`` plus ``detail_da`` and ``detail_en``; a validation error also carries
``errors: [{"field": "records[3].start_date", "code", "message_da", "message_en"}]``.
Never a traceback: anything unexpected is logged (with the request id) and answered
with a bare 500 problem.

Two languages: the API evaluates every message in Danish (``jobcenter.api.views``), and
our msgids are the Danish text, so the English is the catalogue's translation of the
same msgid; a message with values filled in is matched against the msgids with their
placeholders, and the English filled in with the same values. Django's and DRF's own
messages have English msgids: their Danish text is matched back to the msgid."""

from __future__ import annotations

import functools
import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

from jobcenter.logging import mask_cpr_in_text

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:jobcenter:problem:"


class Conflict(exceptions.APIException):
    """The request is refused in the record's current state (a citizen's objection)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def titles() -> dict[int, str]:
    return {
        400: _("Ugyldig forespørgsel"),
        401: _("Ikke logget ind"),
        403: _("Ingen adgang"),
        404: _("Findes ikke"),
        405: _("Metoden er ikke tilladt"),
        406: _("Formatet kan ikke leveres"),
        409: _("Ikke muligt i den nuværende tilstand"),
        413: _("Forespørgslen er for stor"),
        415: _("Formatet understøttes ikke"),
        429: _("For mange forespørgsler"),
        500: _("Der opstod en fejl"),
    }


# -- Two languages --------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _template_pattern(template: str) -> re.Pattern | None:
    """A regular expression matching ``template`` with any values in its placeholders
    (``%(name)s`` or ``{name}``), or None when it has none."""
    if not _PLACEHOLDER.search(template):
        return None
    parts, names, last = [], [], 0
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1) or match.group(2)
        parts.append(re.escape(template[last : match.start()]))
        parts.append(f"(?P<{name}>.+?)" if name not in names else f"(?P={name})")
        names.append(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    try:
        return re.compile("^" + "".join(parts) + "$", re.DOTALL)
    except re.error:
        return None


def _fill(template: str, values: dict[str, str]) -> str:
    def one(match):
        return values.get(match.group(1) or match.group(2), match.group(0))

    return _PLACEHOLDER.sub(one, template)


@functools.cache
def _catalogues() -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """Danish text -> English: our msgids (Danish) to their English translation, and
    Django's and DRF's Danish translations back to their English msgids."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern, str]] = []

    def add(danish: str, english: str):
        if not danish or not english or danish == english:
            return
        exact.setdefault(danish, english)
        pattern = _template_pattern(danish)
        if pattern is not None:
            patterns.append((pattern, english))

    for msgid, msgstr in trans_real.translation("da")._catalog.items():
        if isinstance(msgid, str) and isinstance(msgstr, str):
            add(msgstr, msgid)  # Django's and DRF's: English msgid, Danish msgstr
    for msgid, msgstr in trans_real.translation("en")._catalog.items():
        if isinstance(msgid, str) and isinstance(msgstr, str):
            exact[msgid] = msgstr  # ours: Danish msgid, English msgstr (wins)
            pattern = _template_pattern(msgid)
            if pattern is not None:
                patterns.insert(0, (pattern, msgstr))
    return exact, patterns


def in_english(danish: str) -> str:
    """The English of a Danish message (with its values), or the message itself."""
    danish = str(danish)
    with translation.override("en"):
        english = translation.gettext(danish)
    if english != danish:
        return english
    exact, patterns = _catalogues()
    if danish in exact:
        return exact[danish]
    for pattern, template in patterns:
        match = pattern.match(danish)
        if match:
            return _fill(template, match.groupdict())
    return danish


def bilingual(message) -> dict[str, str]:
    text = str(message)
    return {"message_da": text, "message_en": in_english(text)}


# -- Validation errors as field paths --------------------------------------------------


def error_paths(detail, prefix: str = "") -> list[dict]:
    """DRF's nested ``ValidationError.detail`` flattened: ``{"records": [{}, {},
    {"start_date": ["..."]}]}`` becomes ``records[2].start_date``."""
    errors: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                path = prefix
            elif isinstance(key, int) or (prefix and str(key).isdigit()):
                path = f"{prefix}[{key}]"  # ListField and nested lists: {index: errors}
            elif prefix:
                path = f"{prefix}.{key}"
            else:
                path = str(key)
            errors += error_paths(value, path)
    elif isinstance(detail, list | tuple):
        nested = any(isinstance(item, dict | list | tuple) for item in detail)
        for index, item in enumerate(detail):
            if nested:
                if item:  # DRF gives {} for a list item without errors
                    errors += error_paths(item, f"{prefix}[{index}]")
            else:
                errors += error_paths(item, prefix)
    else:
        errors.append(
            {"field": prefix, "code": getattr(detail, "code", None) or "invalid"}
            | bilingual(detail)
        )
    return errors


# -- The handler -----------------------------------------------------------------------


def problem(
    *,
    status_code: int,
    detail: str,
    instance: str,
    code: str = "",
    extra: dict | None = None,
) -> dict:
    title = titles().get(status_code) or titles()[500 if status_code >= 500 else 400]
    body = {
        "type": TYPE_PREFIX + (code or str(status_code)),
        "title": str(title),
        "status": status_code,
        "detail": str(detail),
        "instance": mask_cpr_in_text(instance),  # never a CPR number, even one sent
        "detail_da": str(detail),
        "detail_en": in_english(detail),
    }
    return body | (extra or {})


def problem_response(body: dict) -> JsonResponse:
    """The problem as JSON whatever the view renders otherwise (the schema's YAML, the
    docs' HTML): a plain Django response, which DRF passes on as it is."""
    return JsonResponse(
        body,
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _as_api_exception(exc) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Findes ikke."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(_("Du har ikke adgang til dette."))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(_("Forespørgslen er større, end API'et tager imod."))
    return None


# DRF's default messages for these are replaced by ours (Danish, with English).
def _default_details() -> dict[type, str]:
    return {
        exceptions.NotAuthenticated: _("Log ind, eller send tjenestekontoens API-nøgle."),
        exceptions.AuthenticationFailed: _("Login eller API-nøgle blev ikke godkendt."),
        exceptions.PermissionDenied: _("Du har ikke adgang til dette."),
        exceptions.NotFound: _("Findes ikke."),
        exceptions.ParseError: _("Forespørgslen kunne ikke læses som JSON."),
    }


def problem_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error as a problem, in Danish and English."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    api_exc = _as_api_exception(exc)
    unavailable = _unavailable_problem(exc, instance)
    if unavailable is not None:
        return unavailable
    if api_exc is None:
        logger.exception("API error on %s", instance)  # CPR masked by the log filter
        return problem_response(
            problem(
                status_code=500,
                detail=_("Der opstod en uventet fejl. Fejlen er logget."),
                instance=instance,
                code="server_error",
            )
        )
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))
    extra = None
    if isinstance(api_exc, exceptions.ValidationError):
        detail = _("Forespørgslen har fejl; se de enkelte felter.")
        extra = {"errors": error_paths(api_exc.detail)}
        code = "validation"
    else:
        detail = api_exc.detail if isinstance(api_exc.detail, str) else str(api_exc.detail)
        if str(detail) == str(api_exc.default_detail):
            detail = _default_details().get(type(api_exc), detail)
        if isinstance(api_exc, exceptions.Throttled):
            detail = _(
                "For mange forespørgsler fra kontoen. Prøv igen om %(seconds)s sekunder."
            ) % {"seconds": int(api_exc.wait or 1)}
        code = getattr(api_exc.detail, "code", None) or api_exc.default_code
    response = problem_response(
        problem(
            status_code=api_exc.status_code,
            detail=detail,
            instance=instance,
            code=str(code),
            extra=extra,
        )
    )
    for name, value in headers.items():
        response[name] = value
    return response


# -- Outside DRF: the URL conf's 404 and the 500 for addresses under /api/ --------------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _plain_problem(request, status_code: int, detail: str, code: str) -> JsonResponse:
    with translation.override("da"):
        body = problem(status_code=status_code, detail=detail, instance=request.path, code=code)
    return problem_response(body)


def page_not_found(request, exception=None, template_name="404.html"):
    from django.views import defaults

    if _is_api(request):
        with translation.override("da"):
            return _plain_problem(request, 404, _("Findes ikke."), "not_found")
    return defaults.page_not_found(request, exception, template_name=template_name)


def _unavailable_problem(exc, instance: str) -> JsonResponse | None:
    """A 503 problem for a database that is gone or an audit log that refused the
    event (the pages answer the 503 page for the same, ``jobcenter.middleware``);
    None for anything else."""
    from django.db import InterfaceError, OperationalError

    from audit.services import AuditUnavailable

    if isinstance(exc, AuditUnavailable):
        logger.error("Audit log unavailable: %s", exc)
        detail = _(
            "Handlingen kunne ikke skrives i loggen, så den er ikke udført. Prøv igen om lidt."
        )
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", type(exc).__name__)
        detail = _("Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.")
    else:
        return None
    with translation.override("da"):
        response = problem_response(
            problem(status_code=503, detail=detail, instance=instance, code="unavailable")
        )
    response["Retry-After"] = "60"
    return response


def server_error(request, template_name="500.html"):
    """``handler500``: under /api/ a problem (a 503 one for a database or audit log that
    is gone), elsewhere ``jobcenter.views.server_error`` (the 503 page for the same,
    else the plain 500 page)."""
    import sys

    from jobcenter.views import server_error as page_server_error

    if _is_api(request):
        unavailable = _unavailable_problem(sys.exc_info()[1], request.path)
        if unavailable is not None:
            return unavailable
        with translation.override("da"):
            return _plain_problem(
                request, 500, _("Der opstod en uventet fejl. Fejlen er logget."), "server_error"
            )
    return page_server_error(request)
