from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from jobcenter import views
from prediction import views as prediction_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("account/", views.account_security, name="account_security"),
    path("account/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("account/recovery-codes/", views.recovery_codes_new, name="recovery_codes_new"),
    path("grants/", views.grants, name="grants"),
    path("account/passkeys/", include("jobcenter.passkeys")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("citizens/", include("casework.urls")),
    path("models/", include("prediction.urls")),
    path("audit/", include("dpo.urls")),  # the DPO's pages keep their /audit/ address
    path("cockpit/", include("cockpit.urls")),  # the managers' pages: nothing imports them
    path("transparency/", prediction_views.transparency, name="transparency"),
    path(
        "transparency/<str:municipality_code>/",
        prediction_views.transparency_jobcenter,
        name="transparency_jobcenter",
    ),
    path("api/", include("jobcenter.api.urls")),  # the integration API (docs/api.md)
    path("admin/", admin.site.urls),
]

# Under /api/ a missing address or an unexpected error is a problem (RFC 9457), not a page.
handler404 = "jobcenter.api.problems.page_not_found"
handler500 = "jobcenter.api.problems.server_error"  # elsewhere jobcenter.views.server_error

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
