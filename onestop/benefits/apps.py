from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "onestop.benefits"
    label = "benefits"
    verbose_name = _("Benefits without applying")

    def ready(self) -> None:
        # notices: the message templates; consoles: the staff navigation; views: the account
        # page's links (web.registry); seed: the demo step; listeners: data changed
        from onestop.benefits import consoles, listeners, notices, seed, selectors, views  # noqa: F401
        from onestop.cases import hooks as cases_hooks
        from onestop.core import figures
        from onestop.sharing import hooks as sharing_hooks

        cases_hooks.on_case_finished(listeners.case_finished)
        sharing_hooks.on_record_changed(listeners.record_changed)
        # The offers, uptake and time to the benefit on the insights dashboards.
        figures.provide("benefits.figures", selectors.benefit_figures)
