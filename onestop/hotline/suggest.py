"""Suggestions for the agent desk while a call is taken: an answer from the knowledge base (for
consultations), the category and department the routing model proposes, with their confidence,
and orders that are probably the same matter (duplicates to merge).

Read-only: everything comes from hotline selectors, `routing.classify`, org selectors and
knowledge selectors. A likely duplicate is an order the actor may see, of the same category,
in the same township or within `DUPLICATE_RADIUS_M` metres when both have coordinates, created
in the last `DUPLICATE_DAYS` days, not finished and not itself merged.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from onestop.core.errors import DomainError
from onestop.hotline import routing, selectors
from onestop.hotline.models import WorkOrder

DUPLICATE_RADIUS_M = 500
DUPLICATE_DAYS = 7
MAX_DUPLICATES = 5
EARTH_RADIUS_M = 6_371_000
S = WorkOrder.Status
FINISHED = (S.ANSWERED, S.CLOSED)


@dataclass
class Choice:
    code: str
    name: str
    score: float
    department: str = ""  # a category's: its department by the region's jurisdiction
    matched: tuple[str, ...] = ()  # a category's: its keywords (and name) found in the text
    similar: tuple[WorkOrder, ...] = ()  # a category's: confirmed past orders most like the text

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class Suggestions:
    text: str
    answer: Any = None  # knowledge.selectors.Answer | None
    categories: list[Choice] = field(default_factory=list)
    departments: list[Choice] = field(default_factory=list)
    duplicates: list[WorkOrder] = field(default_factory=list)
    auto: bool = False
    answer_pending: bool = False  # a consultation whose answer is fetched separately

    @property
    def top(self) -> tuple[Choice | None, Choice | None]:
        return (
            self.categories[0] if self.categories else None,
            self.departments[0] if self.departments else None,
        )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def duplicates(
    *,
    actor: Any,
    category: str,
    township: str = "",
    latitude: Any = None,
    longitude: Any = None,
    exclude: str | None = None,
    now: datetime.datetime | None = None,
) -> list[WorkOrder]:
    """Likely duplicates (see the module docstring), newest first, at most MAX_DUPLICATES."""
    township = (township or "").strip()
    lat, lon = _decimal(latitude), _decimal(longitude)
    has_point = lat is not None and lon is not None
    if not category or (not township and not has_point):
        return []
    near = Q(pk__in=[])
    if township:
        near |= Q(township=township)
    if has_point:
        assert lat is not None  # noqa: S101 - has_point
        assert lon is not None  # noqa: S101 - has_point
        # A bounding box in the database, the exact radius below.
        dlat = Decimal(DUPLICATE_RADIUS_M / 111_000)
        dlon = Decimal(
            DUPLICATE_RADIUS_M / (111_000 * max(0.01, math.cos(math.radians(float(lat)))))
        )
        near |= Q(
            latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)
        )
    since = (now or timezone.now()) - datetime.timedelta(days=DUPLICATE_DAYS)
    orders = (
        selectors.ticket_list(actor=actor)
        .filter(near, category_id=category, created_at__gte=since, merged_into__isnull=True)
        .exclude(status__in=FINISHED)
    )
    if exclude:
        orders = orders.exclude(number=exclude)
    found: list[WorkOrder] = []
    for order in orders[: MAX_DUPLICATES * 4]:
        same_township = bool(township) and order.township == township
        close = (
            has_point
            and order.latitude is not None
            and order.longitude is not None
            and distance_m(float(lat), float(lon), float(order.latitude), float(order.longitude))  # type: ignore[arg-type]
            <= DUPLICATE_RADIUS_M
        )
        if same_township or close:
            found.append(order)
        if len(found) == MAX_DUPLICATES:
            break
    return found


def answer(*, text: str, region: str, lang: str = "zh-hans") -> Any:
    """The knowledge base's answer to a consultation, or None."""
    text = (text or "").strip()[: routing.MAX_TEXT]
    return _answer(text, lang, region) if text else None


def _answer(text: str, lang: str, region: str) -> Any:
    from onestop.knowledge import selectors as knowledge

    try:
        return knowledge.answer(q=text, lang=lang, region=region)
    except DomainError:
        return None


def suggest(
    *,
    actor: Any,
    text: str,
    region: str,
    lang: str = "zh-hans",
    request_type: str = "",
    category: str = "",
    township: str = "",
    latitude: Any = None,
    longitude: Any = None,
    with_answer: bool = True,
) -> Suggestions:
    """Everything the desk shows next to a call's description (empty when there is no text).

    `with_answer=False` leaves the knowledge answer out (`answer_pending` says whether one
    should be fetched with `answer()`): the live panel stays fast while the answer, which
    searches the whole knowledge base, arrives in its own request."""
    text = (text or "").strip()[: routing.MAX_TEXT]
    result = Suggestions(text=text)
    if not text:
        return result
    if request_type in ("", WorkOrder.RequestType.CONSULTATION):
        if with_answer:
            result.answer = _answer(text, lang, region)
        else:
            result.answer_pending = True
    try:
        routed = routing.classify(text=text, region=region)
    except DomainError:
        routed = {"categories": [], "departments": [], "auto": False}
    codes = [c["code"] for c in routed["categories"]] + ([category] if category else [])
    found = {c.code: c for c in selectors.category_list().filter(code__in=codes)}
    region_departments = _region_departments(region)
    rules, options = routing.jurisdiction_rules(region), routing.region_departments(region)
    kinds = {code: c.default_kind_id for code, c in found.items() if c.default_kind_id}

    def owner(code: str) -> str:
        """The category's department in the region, by its jurisdiction table (the same
        resolution as the routing model's departments)."""
        department = routing.resolve_department(code, text, rules, kinds, options)
        return department[0] if department and department[0] in region_departments else ""

    result.categories = [
        Choice(
            code=c["code"],
            name=found[c["code"]].name if c["code"] in found else c["code"],
            score=float(c["score"]),
            department=owner(c["code"]),
            matched=matched_terms(found.get(c["code"]), text),
            similar=similar_orders(actor=actor, category=c["code"], region=region, text=text),
        )
        for c in routed["categories"][:3]
    ]
    result.departments = _departments(routed["departments"], region, region_departments)
    result.auto = bool(routed["auto"])
    if category and owner(category):
        # The agent chose the category: its owner department comes first, whatever the text
        # suggested, so "Accept" offers the pair that belongs together.
        chosen_owner = owner(category)
        rest = [d for d in result.departments if d.code != chosen_owner]
        score = next((d.score for d in result.departments if d.code == chosen_owner), 0.0)
        result.departments = [
            Choice(chosen_owner, region_departments[chosen_owner], score),
            *rest,
        ][:3]
        if category not in [c.code for c in result.categories] and category in found:
            result.categories.insert(0, Choice(category, found[category].name, 0.0, chosen_owner))
        else:
            result.categories.sort(key=lambda c: c.code != category)
    chosen = category or (result.categories[0].code if result.categories else "")
    result.duplicates = duplicates(
        actor=actor, category=chosen, township=township, latitude=latitude, longitude=longitude
    )
    return result


MAX_MATCHED = 4
MAX_SIMILAR = 2
SIMILAR_POOL = 100  # the latest confirmed orders of a category compared with the text
SIMILAR_MIN = 0.15  # the least share of shared character pairs worth showing


def _pairs(text: str) -> set[str]:
    compact = "".join(text.lower().split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def similar_orders(*, actor: Any, category: str, region: str, text: str) -> tuple[WorkOrder, ...]:
    """Why a category is suggested, from the floor: at most MAX_SIMILAR confirmed past orders
    of that category in the region (`selectors.confirmed_dispatches`, the ones the actor may
    see) whose descriptions share the most character pairs with the text (Jaccard over
    character bigrams, at least SIMILAR_MIN), most alike first."""
    wanted = _pairs(text)
    if not wanted or not category:
        return ()
    visible = selectors.ticket_list(actor=actor).values("pk")
    pool = (
        selectors.confirmed_dispatches()
        .filter(category_id=category, region=region, pk__in=visible)
        .order_by("-pk")[:SIMILAR_POOL]
    )
    scored = []
    for order in pool:
        pairs = _pairs(order.description or "")
        overlap = len(wanted & pairs) / len(wanted | pairs) if pairs else 0.0
        if overlap >= SIMILAR_MIN:
            scored.append((overlap, order.pk, order))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    return tuple(order for _score, _pk, order in scored[:MAX_SIMILAR])


def matched_terms(category: Any, text: str) -> tuple[str, ...]:
    """Why a category is suggested, in words the agent can check: its Chinese name and the
    catalogue keywords (`Category.keywords`) that occur in the text, at most MAX_MATCHED."""
    if category is None:
        return ()
    lowered = text.lower()
    terms = [category.name_zh, *(category.keywords or [])]
    found = [t for t in dict.fromkeys(terms) if t and len(t) >= 2 and t.lower() in lowered]
    return tuple(found[:MAX_MATCHED])


def _region_departments(region: str) -> dict[str, str]:
    """The region's departments, code → name."""
    from onestop.org import selectors as org_selectors

    return {d.code: d.name for d in org_selectors.department_list(region=region)}


def _departments(
    found: list[dict[str, Any]], region: str, names: dict[str, str] | None = None
) -> list[Choice]:
    names = _region_departments(region) if names is None else names
    return [
        Choice(code=d["code"], name=names.get(d["code"], d["code"]), score=float(d["score"]))
        for d in found
    ]
