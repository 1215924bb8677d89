"""How the hotline maps onto GeoReport v2: which categories are services, their attributes,
and which work-order statuses count as ``open`` or ``closed``. One place, read by the services,
the selectors and the docs (`docs/open311.md`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onestop.hotline.models import WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SERVICE_LEVEL = 2  # level-2 categories are the services; level 1 names their group
DEFAULT_REQUEST_TYPE = WorkOrder.RequestType.ASSISTANCE
CLOSED_STATUSES = frozenset({WorkOrder.Status.CLOSED, WorkOrder.Status.ANSWERED})
WINDOW_DAYS = 90
MAX_RESULTS = 1000


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str | Promise
    datatype_description: str | Promise
    choices: tuple[str, ...] = ()


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        code="request_type",
        datatype="singlevaluelist",
        required=False,
        order=1,
        description=_("What kind of request is this?"),
        datatype_description=_("One of the listed keys; a request for help when absent."),
        choices=tuple(WorkOrder.RequestType.values),
    ),
    Attribute(
        code="township",
        datatype="string",
        required=False,
        order=2,
        description=_("Township or street office (乡镇/街道) where it happens."),
        datatype_description=_("Free text, at most 100 characters."),
    ),
)


def status_of(order: WorkOrder) -> str:
    return "closed" if order.status in CLOSED_STATUSES else "open"
