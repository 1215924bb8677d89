from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "onestop.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from onestop.org import seed, views  # noqa: F401 (seed registers its seed step)
        from onestop.web import registry

        registry.register("site", views.node_region)  # the region in every page's header
        registry.register("home", views.home_departments)
