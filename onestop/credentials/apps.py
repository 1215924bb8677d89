from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "onestop.credentials"
    label = "credentials"
    verbose_name = _("E-licences")

    def ready(self) -> None:
        from onestop.credentials import (  # noqa: F401 (registering)
            backup,
            checks,  # the PDF font deployment check
            consoles,
            seed,
        )
