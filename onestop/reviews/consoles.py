"""The console of `reviews` in the staff navigation (web.consoles): a department's reviews and
rectifications, and a supervisor's appeals; a clerk's pairing of the rating screens at the
windows (一次一评)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onestop.cases.selectors import clerk_regions
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
consoles.register(
    "reviews.pad",
    _("Rating screens of the windows"),
    "reviews:pad_pair",
    lambda user: bool(clerk_regions(user)) or bool(user.is_superuser),
    order=45,
    group="reviews",
)
