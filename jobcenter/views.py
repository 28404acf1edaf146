import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jobcenter import two_factor
from jobcenter.decorators import jobcenter_role_required
from jobcenter.forms import AuthenticatorConfirmForm, GrantDecisionForm, SecondFactorForm
from jobcenter.health import system_health
from jobcenter.middleware import SECOND_FACTOR_PENDING, service_unavailable_response
from jobcenter.models import GrantRequest, Role
from jobcenter.selectors import grant_requests_for
from jobcenter.services import (
    GrantRefused,
    auth_login_failed_record,
    auth_login_record,
    auth_logout_record,
    authenticator_enrolment_confirm,
    authenticator_enrolment_start,
    grant_decide,
    recovery_codes_renew,
    second_factor_verify,
)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    status, body = system_health()
    return JsonResponse(body, status=status)


# Each role's own start page (by URL name: jobcenter imports none of the apps above it).
START_PAGES = {
    "manager": "cockpit:index",
    "analyst": "prediction:models",
    "dpo": "dpo:index",
    "administrator": "admin:index",
}


def home(request):
    return redirect(START_PAGES.get(request.user.role, "casework:caseload"))


def _safe_next(request, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def _to_step(url_name: str, next_url: str):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


class LoginView(auth_views.LoginView):
    template_name = "jobcenter/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        response = super().form_valid(form)
        auth_login_record(user=user)
        if two_factor.second_factor_required(user):
            # The password was right; the second step comes before any page.
            self.request.session[SECOND_FACTOR_PENDING] = True
            step = "two_factor_verify" if two_factor.confirmed_devices(user) else "two_factor_setup"
            return _to_step(step, self.get_success_url())
        return response

    def form_invalid(self, form):
        auth_login_failed_record(username=form.data.get("username", ""))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            auth_logout_record(user=request.user)
        return super().post(request, *args, **kwargs)


@login_not_required
def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked name (AXES_LOCKOUT_CALLABLE): our own page."""
    return render(
        request,
        "jobcenter/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The login's second step: a code from the authenticator or a recovery code (or a
    passkey, whose script posts elsewhere and then comes back here)."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not two_factor.confirmed_devices(request.user):
        return _to_step("two_factor_setup", _safe_next(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_verify(
            request=request, user=request.user, token=form.cleaned_data["token"]
        ):
            request.session.pop(SECOND_FACTOR_PENDING, None)
            left = two_factor.recovery_codes_left(request.user)
            if left <= 3:
                messages.warning(
                    request,
                    _(
                        "Du har %(left)s gendannelseskoder tilbage. Lav nye under "
                        "Totrinsbekræftelse."
                    )
                    % {"left": left},
                )
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            _(
                "Koden passer ikke. Prøv med den kode, appen viser nu, eller med en af "
                "dine gendannelseskoder."
            ),
        )
    return render(
        request,
        "jobcenter/two_factor_verify.html",
        {
            "form": form,
            "next": _safe_next(request),
            "has_passkey": two_factor.passkey_count(request.user) > 0,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Setting up an authenticator: a QR code and the key as text; a code from the app
    confirms it. The ten recovery codes are shown once, on the answer to that."""
    if two_factor.confirmed_devices(request.user) and not request.user.is_verified():
        # Replacing an authenticator takes the second factor first.
        return _to_step("two_factor_verify", request.path)
    device = two_factor.unconfirmed_authenticator(request.user)
    form = AuthenticatorConfirmForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = authenticator_enrolment_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            request.session.pop(SECOND_FACTOR_PENDING, None)
            return render(
                request,
                "jobcenter/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request), "new_authenticator": True},
            )
        form.add_error(
            "token",
            _(
                "Koden passer ikke. Tjek, at telefonens ur går rigtigt, og skriv den kode, "
                "appen viser nu."
            ),
        )
    if device is None:
        device = authenticator_enrolment_start(user=request.user)
    return render(
        request,
        "jobcenter/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "text_key": two_factor.text_key(device),
            "next": _safe_next(request),
            "required": settings.TWO_FACTOR_REQUIRED,
        },
    )


@never_cache
@require_GET
def account_security(request):
    """The user's own page: is a second factor set up, how many recovery codes are left."""
    return render(
        request,
        "jobcenter/account_security.html",
        {
            "has_authenticator": two_factor.has_authenticator(request.user),
            "recovery_codes_left": two_factor.recovery_codes_left(request.user),
            "passkeys": two_factor.passkey_count(request.user),
            "required": settings.TWO_FACTOR_REQUIRED,
        },
    )


@never_cache
@require_POST
def recovery_codes_new(request):
    if not request.user.is_verified():
        messages.error(request, _("Log ind med din kode fra appen først."))
        return redirect("account_security")
    codes = recovery_codes_renew(user=request.user)
    return render(
        request,
        "jobcenter/recovery_codes.html",
        {"codes": codes, "next": reverse("account_security"), "new_authenticator": False},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@jobcenter_role_required(Role.ADMINISTRATOR, Role.DPO)
def grants(request):
    """The grants that wait for a second person: the DPO role, or a team's citizens."""
    if request.method == "POST":
        form = GrantDecisionForm(request.POST)
        if form.is_valid():
            grant = get_object_or_404(
                GrantRequest,
                pk=form.cleaned_data["grant"],
                jobcenter_id=request.user.jobcenter_id,
            )
            confirm = form.cleaned_data["decision"] == "confirm"
            try:
                grant_decide(
                    grant=grant,
                    actor=request.user,
                    confirm=confirm,
                    note=form.cleaned_data["note"],
                )
            except GrantRefused as exc:
                messages.error(request, str(exc))
            else:
                done = (
                    _("Bekræftet: %(what)s til %(user)s.")
                    if confirm
                    else _("Afvist: %(what)s til %(user)s.")
                )
                who = grant.user.get_full_name() or grant.user.get_username()
                messages.success(request, done % {"what": grant.what(), "user": who})
            return redirect("grants")
        messages.error(request, _("Vælg bekræft eller afvis."))
    return render(request, "jobcenter/grants.html", grant_requests_for(user=request.user))


def server_error(request):
    """``handler500``: the database gone while a middleware needed it (the session, the
    user), before any view, is the clear 503 page too; anything else the plain 500
    page. Django calls this inside its ``except``, so the exception is at hand."""
    return service_unavailable_response(sys.exc_info()[1]) or defaults.server_error(request)
