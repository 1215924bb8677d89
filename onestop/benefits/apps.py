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
        # the dashboards of `insights` (same floor) read the figures by name
        figures.provide("benefits.stats", selectors.stats)
        sharing_hooks.on_record_changed(listeners.record_changed)
