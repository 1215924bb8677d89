from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "onestop.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        # views_portal: the account page's links (web.registry)
        from onestop.hotline import (  # noqa: F401 (registering)
            backup,
            consoles,
            metrics,
            routing,
            seed,
            views_portal,
        )
