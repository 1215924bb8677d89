from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onestop.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # seed and seed_processes register demo-seed steps when imported
        from onestop.cases import holdings, seed, seed_processes  # noqa: F401

        holdings.register()  # the catalogue pages' materials status and pre-fill
