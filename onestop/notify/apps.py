from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "onestop.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from onestop.notify import (
            accounts,  # noqa: F401  (registers the account sender)
            org,  # noqa: F401  (registers the queue ticket's SMS sender)
        )
