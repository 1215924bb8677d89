from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "onestop.sharing"
    label = "sharing"
    verbose_name = _("Data sharing")

    def ready(self) -> None:
        from onestop.core import access_log
        from onestop.sharing import federated, seed, services  # noqa: F401 (seed: its step)

        access_log.set_recorder(services.access_record)
        federated.register()  # the ``peer`` source kind and the ``data.fetch`` handler
