from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "onestop.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # notices: the hotspot message (notify.templates); consoles: the staff navigation;
        # seed: the demo hotspot step
        from onestop.insights import consoles, notices, seed  # noqa: F401
