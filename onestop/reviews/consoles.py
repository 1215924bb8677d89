"""The console of `reviews` in the staff navigation (web.consoles): a department's reviews and
rectifications, and a supervisor's appeals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.reviews import policies
from onestop.web import consoles

consoles.register(
    "reviews.department",
    _("Reviews and rectifications"),
    "reviews:console",
    lambda user: policies.can(user, policies.VIEW, None),
    order=40,
    group="reviews",
)
