from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "onestop.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from onestop.hotline import backup, consoles, metrics, routing, seed  # noqa: F401 (registering)
