from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "onestop.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from onestop.federation import alerts, ping  # noqa: F401 - register the ping handler and
        # the dead-letter notification template
