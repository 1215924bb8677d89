"""System reads for aggregate indicators (`insights`, floor 6): the item cases, supplement
requests and completed bundles of a region and the regions below it, unscoped and unordered.
The caller authorises with its own policy and only groups and counts (no case leaves as a
row), like `hotline.selectors.orders_for_statistics`."""

from __future__ import annotations

from django.db.models import QuerySet

from onestop.cases.models import Case, Supplement
from onestop.org import selectors as org_selectors


def item_cases_for_statistics(*, region: str) -> QuerySet[Case]:
    """The item cases of `region` (and below) that were received (submitted or accepted):
    drafts, one-time notices and cases forwarded to another node are left out."""
    return Case.objects.filter(
        org_selectors.region_q(region, "region_id"),
        kind=Case.Kind.ITEM,
    ).exclude(status__in=[Case.Status.DRAFT, Case.Status.NOTICE, Case.Status.FORWARDED])


def supplements_for_statistics(*, region: str) -> QuerySet[Supplement]:
    """The supplement requests on the item cases of `region` (and below)."""
    return Supplement.objects.filter(
        org_selectors.region_q(region, "case__region_id"), case__kind=Case.Kind.ITEM
    )


def bundles_for_statistics(*, region: str) -> QuerySet[Case]:
    """The completed scenario (bundle) cases of `region` (and below): the burden figures."""
    return Case.objects.filter(
        org_selectors.region_q(region, "region_id"),
        kind=Case.Kind.BUNDLE,
        status=Case.Status.COMPLETED,
        accepted_at__isnull=False,
        completed_at__isnull=False,
    )
