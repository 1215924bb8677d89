from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "onestop.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from onestop.accounts import seed  # noqa: F401  (registers the accounts seed step)
