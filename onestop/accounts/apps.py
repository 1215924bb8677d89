from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "onestop.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from onestop.accounts import (
            checks,  # noqa: F401  (registers the no-demo-accounts deployment check)
            consoles,  # noqa: F401  (registers the assisted-handling console)
            policies,
            seed,  # noqa: F401  (registers the accounts seed step)
            views_delegation,
        )
        from onestop.org import policies as org_policies
        from onestop.web import registry

        # the "act for …" switch and the acting banner in every page's header
        registry.register("site", views_delegation.header)

        # org decides who manages a region by our staff roles, without importing us
        org_policies.provide_role_check(policies.can)
