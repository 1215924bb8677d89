from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onestop.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from onestop.cases import seed, seed_processes  # noqa: F401 (both register seed steps)
