from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "onestop.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from onestop.ledger import seed  # noqa: F401 - registers the seed step
