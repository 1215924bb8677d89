from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "onestop.sharing"
    label = "sharing"
    verbose_name = _("Data sharing")

    def ready(self) -> None:
        from onestop.sharing import seed  # noqa: F401 (registers the seed step once apps are ready)
