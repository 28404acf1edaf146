from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from jobcenter.models import Jobcenter, Team, User


@admin.register(Jobcenter)
class JobcenterAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality_code", "judgement_first")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "jobcenter")
    list_filter = ("jobcenter",)


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "jobcenter", "team", "is_active")
    list_filter = ("jobcenter", "team", "groups", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Jobcenter", {"fields": ("jobcenter", "team")}))
