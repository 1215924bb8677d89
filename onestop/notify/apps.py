from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "onestop.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # the account sender; the queue ticket's SMS sender; the deployment check; the gauges
        from onestop.notify import accounts, checks, metrics, org  # noqa: F401
