from django.contrib import admin

from prediction.models import FeatureSpec


@admin.register(FeatureSpec)
class FeatureSpecAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "jobcenter", "title_da", "created_at")
    readonly_fields = (
        "jobcenter",
        "name",
        "version",
        "title_da",
        "title_en",
        "source_toml",
        "sha256",
        "definition",
        "created_at",
    )

    def has_add_permission(self, request):
        return False
