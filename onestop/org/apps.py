from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "onestop.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from onestop.org import seed  # noqa: F401  (registers the org seed step)
