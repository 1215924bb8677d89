from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "onestop.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self) -> None:
        from onestop.core.middleware import ERROR_SHAPES
        from onestop.open311 import (  # noqa: F401 (registering)
            checks,  # the no-demo-key deployment check
            seed,  # the seed step
        )
        from onestop.open311.views import shaped_error

        ERROR_SHAPES["/open311/"] = shaped_error
