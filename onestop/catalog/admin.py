from django.contrib import admin

from onestop.catalog.models import Item, Material, Scenario, ScenarioItem


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = (
        "position",
        "key",
        "name_zh",
        "name_en",
        "form",
        "copies",
        "required",
        "key_material",
        "source_type",
        "source_dataset",
        "source_licence",
    )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "type",
        "audience",
        "implementing_department",
        "promised_days",
    )
    list_filter = ("region", "type", "audience")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("implementing_department",)
    raw_id_fields = ("competent_department", "implementing_department")
    inlines = [MaterialInline]


class ScenarioItemInline(admin.TabularInline):
    model = ScenarioItem
    extra = 0
    raw_id_fields = ("item",)


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("slug", "region", "name_zh", "audience", "lead_department")
    list_filter = ("region", "audience")
    search_fields = ("slug", "name_zh", "name_en")
    inlines = [ScenarioItemInline]
