"""The Django admin: for administrators only, of their own jobcenter only, logged in
through the application's one login (with its second factor and its audit), every
change an audit event.

Administrators are staff but not superusers: they hold the model permissions of the
organisation's tables (``jobcenter.services.ADMINISTRATOR_PERMISSIONS``) and no
permission on any citizen. The audit log is not here (the DPO's pages are the way to
read it), nor the second factor's devices (a key or a recovery code is never shown
again; an administrator resets them with the action below), nor django-axes' attempts
(unlocked with the action below, audited), nor groups (a team's group carries the
object permissions on its citizens)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential
from rest_framework_api_key.models import APIKey

from jobcenter.models import Jobcenter, Role, ServiceAccountKey, Team, User
from jobcenter.service_accounts import (
    ServiceAccountRefused,
    service_account_create,
    service_account_key_create,
    service_account_key_revoke,
)
from jobcenter.services import (
    admin_change_record,
    grant_request,
    login_unlock,
    role_grant_needs_second_person,
    role_set,
    second_factor_reset,
    team_leave,
)


class StaffChangeForm(UserChangeForm):
    """The staff form with one role to choose instead of groups to tick."""

    role = forms.ChoiceField(
        label=_("rolle"),
        # A service account is made as one (below, or manage.py create_service_account),
        # never by giving a person the role.
        choices=[("", "–"), *(c for c in Role.choices if c[0] != Role.SERVICE)],
        required=False,
        help_text=_("Rollen som databeskyttelsesrådgiver kræver en anden persons bekræftelse."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = self.instance.role or ""
        if "team" in self.fields:
            self.fields["team"].help_text = _(
                "Et team giver adgang til teamets borgere og kræver en anden persons "
                "bekræftelse. At fjerne et team sker med det samme."
            )


def _admin_has_permission(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_role(Role.ADMINISTRATOR)


def _admin_login(request, extra_context=None):
    """The admin's own login form is never used: the one login view is. Somebody logged
    in who is not an administrator is refused, not asked to log in again."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.has_permission = _admin_has_permission
admin.site.login = _admin_login
for hidden in (Group, TOTPDevice, StaticDevice, WebAuthnCredential, WebAuthnAttestation):
    if admin.site.is_registered(hidden):
        admin.site.unregister(hidden)


@receiver(post_save, sender=LogEntry, dispatch_uid="jobcenter.admin_change_audit")
def _admin_change_audit(sender, instance, created, **kwargs):
    """Every change the admin makes is in its LogEntry, written in the same transaction:
    the same change becomes an audit event there too."""
    if created:
        admin_change_record(entry=instance)


class OwnJobcenterMixin:
    """An administrator sees and edits only their own jobcenter's rows."""

    jobcenter_path = "jobcenter"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(**{self.jobcenter_path: request.user.jobcenter_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jobcenter":
            kwargs["queryset"] = Jobcenter.objects.filter(pk=request.user.jobcenter_id)
        elif db_field.name == "team":
            kwargs["queryset"] = Team.objects.filter(jobcenter=request.user.jobcenter_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Jobcenter)
class JobcenterAdmin(OwnJobcenterMixin, admin.ModelAdmin):
    jobcenter_path = "pk"
    list_display = ("name", "municipality_code", "judgement_first")
    # Judgement first has an audited service and page of its own (casework); changing
    # it here would go around the audit.
    readonly_fields = ("judgement_first",)

    def has_add_permission(self, request):
        return False  # a new municipality is an operator's job (demo_setup, a command)


@admin.register(Team)
class TeamAdmin(OwnJobcenterMixin, admin.ModelAdmin):
    list_display = ("name", "jobcenter")


@admin.register(User)
class StaffAdmin(OwnJobcenterMixin, UserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role_label",
        "jobcenter",
        "team",
        "is_active",
    )
    list_filter = ("team", "is_active")  # no raw group names (every jobcenter's teams)
    form = StaffChangeForm
    # No superuser flag, no loose permissions, no groups to tick: one role, one team.
    # The DPO role and a team (access to its citizens) take a second person's
    # confirmation (jobcenter.services.grant_request); the rest applies at once.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personlige oplysninger"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Rolle og adgang"), {"fields": ("is_active", "role", "team")}),
        (_("Jobcenter"), {"fields": ("jobcenter",)}),
        (_("Vigtige datoer"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("jobcenter", "last_login", "date_joined")
    actions = ("unlock_login", "reset_second_factor")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.jobcenter_id = request.user.jobcenter_id  # staff of the own jobcenter
            super().save_model(request, obj, form, change)
            return
        new_team = obj.team
        if "team" in form.changed_data:
            obj.team = User.objects.get(pk=obj.pk).team  # not before it is confirmed
        super().save_model(request, obj, form, change)
        if "team" in form.changed_data:
            if new_team is None:
                team_leave(user=obj, actor=request.user)
            else:
                self._asked(request, grant_request(user=obj, actor=request.user, team=new_team))
        role = form.cleaned_data.get("role")
        if "role" in form.changed_data and role:
            if role_grant_needs_second_person(role):
                self._asked(request, grant_request(user=obj, actor=request.user, role=role))
            else:
                role_set(user=obj, role=role, actor=request.user)

    def _asked(self, request, grant):
        self.message_user(
            request,
            _(
                "%(what)s til %(user)s venter på, at en anden administrator eller DPO'en "
                "bekræfter det under Tildelinger. Indtil da er intet ændret."
            )
            % {"what": grant.what(), "user": grant.user.get_full_name() or grant.user},
            messages.WARNING,
        )

    @admin.display(description=_("rolle"))
    def role_label(self, user) -> str:
        return str(Role(user.role).label) if user.role else "–"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("jobcenter", "team")
            .prefetch_related("groups")
        )

    @admin.action(description=_("Lås login op efter for mange forkerte forsøg"))
    def unlock_login(self, request, queryset):
        for user in queryset:
            login_unlock(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)s login låst op.", "%(count)s logins låst op.", queryset.count())
            % {"count": queryset.count()},
            messages.SUCCESS,
        )

    @admin.action(description=_("Nulstil totrinsbekræftelse (mistet telefon)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Totrinsbekræftelse nulstillet for %(count)s medarbejder. Vedkommende sætter "
                "den op igen ved næste login.",
                "Totrinsbekræftelse nulstillet for %(count)s medarbejdere. De sætter den op "
                "igen ved næste login.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )


# -- Service accounts' API keys (the case system's integration, docs/api.md) ------------

if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)  # the library's own table is unused: ServiceAccountKey


class ServiceAccountKeyForm(forms.ModelForm):
    """A key for one of the own jobcenter's service accounts, or a new account."""

    account = forms.ModelChoiceField(
        label=_("tjenestekonto"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Tom: en ny tjenestekonto med det navn, der står nedenfor."),
    )
    days = forms.IntegerField(
        label=_("gyldig i dage"), min_value=1, initial=90, help_text=_("Nøglen udløber derefter.")
    )

    class Meta:
        model = ServiceAccountKey
        fields = ("name",)

    jobcenter_code = ""  # set per request by the admin (get_form)

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or ""
        username = f"service-{self.jobcenter_code}-{name}"[:150]
        if not cleaned.get("account") and User.objects.filter(username=username).exists():
            raise forms.ValidationError(
                _(
                    "Der findes allerede en tjenestekonto med det navn. "
                    "Giv den en ny nøgle i stedet."
                )
            )
        return cleaned

    def clean_days(self):
        from django.conf import settings

        days = self.cleaned_data["days"]
        if days > settings.SERVICE_ACCOUNT_KEY_MAX_DAYS:
            raise forms.ValidationError(
                _("En API-nøgle gælder mellem 1 og %(max)s dage.")
                % {"max": settings.SERVICE_ACCOUNT_KEY_MAX_DAYS}
            )
        return days


@admin.register(ServiceAccountKey)
class ServiceAccountKeyAdmin(OwnJobcenterMixin, admin.ModelAdmin):
    """Keys are issued here or with ``manage.py create_service_account``, shown once,
    and revoked with the action (audited); nothing else about a key can be changed."""

    jobcenter_path = "user__jobcenter"
    list_display = ("prefix", "name", "user", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix")
    actions = ("revoke_keys",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, form=ServiceAccountKeyForm, **kwargs)
            jobcenter = Jobcenter.objects.filter(pk=request.user.jobcenter_id).first()
            form.jobcenter_code = jobcenter.municipality_code if jobcenter else ""
            form.base_fields["account"].queryset = User.objects.filter(
                jobcenter_id=request.user.jobcenter_id, groups__name=Role.SERVICE.value
            )
            return form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("prefix", "name", "user", "created", "expiry_date", "revoked")

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the log names the key

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing to change: revoking is the action
        account = form.cleaned_data.get("account")
        days = form.cleaned_data["days"]
        name = form.cleaned_data["name"]
        try:
            if account is None:
                jobcenter = Jobcenter.objects.get(pk=request.user.jobcenter_id)
                issued = service_account_create(
                    jobcenter=jobcenter, name=name, days=days, actor=request.user
                )
            else:
                issued = service_account_key_create(
                    user=account, name=name, days=days, actor=request.user
                )
        except ServiceAccountRefused as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = issued.record.pk  # the admin's "added" message and log entry name it
        obj.prefix = issued.record.prefix
        self.message_user(
            request,
            _(
                "API-nøglen er: %(key)s — kopiér den nu. Den vises ikke igen, og kun "
                "dens hash gemmes."
            )
            % {"key": issued.key},
            messages.WARNING,
        )

    def log_addition(self, request, obj, message):
        return None  # the service recorded the key's issue (service.key_create)

    @admin.action(description=_("Tilbagekald de valgte API-nøgler"))
    def revoke_keys(self, request, queryset):
        for key in queryset:
            service_account_key_revoke(key=key, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)s API-nøgle tilbagekaldt.",
                "%(count)s API-nøgler tilbagekaldt.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )
