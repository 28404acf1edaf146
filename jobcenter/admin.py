from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from jobcenter.models import Jobcenter, Role, Team, User


@admin.register(Jobcenter)
class JobcenterAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality_code", "judgement_first")
    # Judgement first has an audited service and page of its own (casework); changing
    # it here would go around the audit.
    readonly_fields = ("judgement_first",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "jobcenter")
    list_filter = ("jobcenter",)


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role_label",
        "jobcenter",
        "team",
        "is_active",
    )
    list_filter = ("jobcenter", "team", "groups", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Jobcenter", {"fields": ("jobcenter", "team", "phone")}))

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
