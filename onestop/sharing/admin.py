from django.contrib import admin

from onestop.sharing.models import Dataset


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("key", "name_zh", "provider_kind", "sensitivity", "subject", "basis")
    list_filter = ("provider_kind", "sensitivity", "basis")
    search_fields = ("key", "name_zh", "name_en")
