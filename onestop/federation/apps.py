from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "onestop.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        # the ping handler, the dead-letter notification template, the staff console
        from onestop.federation import alerts, consoles, metrics, ping  # noqa: F401
