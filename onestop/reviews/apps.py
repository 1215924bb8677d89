from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "onestop.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # notices: the message templates; consoles: the staff navigation; views: the account
        # page's links (web.registry)
        from onestop.cases import hooks as cases_hooks
        from onestop.core import figures
        from onestop.hotline import hooks as hotline_hooks
        from onestop.reviews import consoles, notices, selectors, services, views  # noqa: F401

        cases_hooks.on_case_finished(services.case_invite)
        cases_hooks.provide_rating_link(services.visit_link)
        hotline_hooks.on_order_closed(services.order_invite)
        hotline_hooks.on_order_replied(services.order_portal_invite)
        hotline_hooks.on_callback(services.order_callback_rate)
        figures.provide("reviews.stats", selectors.stats)
