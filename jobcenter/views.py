from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jobcenter.health import system_health
from jobcenter.services import auth_login_failed_record, auth_login_record, auth_logout_record


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
}


def home(request):
    return redirect(START_PAGES.get(request.user.role, "casework:caseload"))


class LoginView(auth_views.LoginView):
    template_name = "jobcenter/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        auth_login_record(user=form.get_user())
        return response

    def form_invalid(self, form):
        auth_login_failed_record(username=form.data.get("username", ""))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            auth_logout_record(user=request.user)
        return super().post(request, *args, **kwargs)
