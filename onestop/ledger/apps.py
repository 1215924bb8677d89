from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "onestop.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        # seed registers the demo-seed step, notices the split-view alarm's template
        from onestop.ledger import backup, notices, seed  # noqa: F401 (and the restore check)
