from django.contrib import admin

from onestop.credentials.models import LicenceType


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("key", "name_zh", "issuer_kind", "dataset", "trust_level")
    list_filter = ("issuer_kind", "trust_level")
    search_fields = ("key", "name_zh", "name_en")
