from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "onestop.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from onestop.catalog import seed, views  # noqa: F401 (seed registers its seed step)
        from onestop.web import registry

        registry.register("home", views.home_sections)
        registry.register("department", views.department_items)
