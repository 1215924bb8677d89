from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "onestop.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from onestop.catalog import seed, selectors, views  # noqa: F401 (seed: its seed step)
        from onestop.org import purposes
        from onestop.web import registry

        registry.register("home", views.home_sections)
        registry.register("department", views.department_items)
        # what a walk-in may choose at the service centre's queue kiosk (org's)
        purposes.provide_purposes(
            choices=selectors.queue_purposes, resolve=selectors.queue_purposes_resolve
        )
