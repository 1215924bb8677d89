from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onestop.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # seed and seed_processes register demo-seed steps when imported; clock its notification
        # templates; api_burden and views_me their slots on the scenario and account pages
        from onestop.cases import (  # noqa: F401
            api_burden,
            backup,
            clock,
            consoles,
            holdings,
            metrics,
            seed,
            seed_processes,
            views_me,
        )

        holdings.register()  # the catalogue pages' materials status and pre-fill
        from onestop.cases.services import forwarding

        forwarding.register()  # case.item, case.forward, case.status (docs/federation.md)
