"""Demo-seed step of `insights`: enough 12345 history for one hotspot card (未诉先办) —
callers from one township of Wulian report the water cut off this week, more than its quiet
baseline explains — made through `hotline.services.ticket_create` like every demo work
order, then `services.hotspot_scan`, so `/insights/hotspots/` shows a card right after
`onestop seed_demo`. Only on a node whose region is or covers Wulian (the calls are about a
place there); idempotent (the requests carry idempotency keys, the scan updates this week's
card instead of raising a second one).

DEVELOPMENT DATA ONLY: the callers and phone numbers below are invented.
"""

from __future__ import annotations

from onestop.accounts import selectors as accounts_selectors
from onestop.core import seeding
from onestop.org.seed import demo_regions

REGION = "371121"
CATEGORY = "utilities.water"
TOWNSHIP = "街头镇"
# Five requests in a week of a place with no history is a spike (spikes.MIN_COUNT, and
# P(X ≥ 5 | Poisson(RATE_FLOOR)) ≈ 0.00017 < ALPHA); the hotline's demo order of the same
# township and topic makes it seven.
CALLS = [
    ("周先生", "13800005501", "街头镇某村从昨天早上开始停水，家里老人做饭都成问题。"),
    ("吴女士", "13800005502", "街头镇东街自来水停了一天多，没有看到停水通知。"),
    ("郑先生", "13800005503", "街头镇我们村停水两天了，请尽快恢复供水。"),
    ("冯女士", "13800005504", "街头镇供水中断，什么时候能来水？孩子要上学。"),
    ("陈先生", "13800005505", "街头镇南村停水，水龙头一滴水都没有，请帮忙联系供水公司。"),
    ("褚女士", "13800005506", "街头镇停水好几天了，邻居们都在问，能不能派送水车？"),
]


@seeding.register(order=78, name="insights-demo")
def seed_hotspot() -> str:
    from onestop.hotline import selectors as hotline_selectors
    from onestop.hotline import services as hotline_services
    from onestop.insights import services

    if REGION not in demo_regions():
        return f"no demo hotspot for this region (its calls are about {REGION})"
    agent = accounts_selectors.users_by_username(["agent"]).get("agent")
    if agent is None or not hotline_selectors.category_list().filter(code=CATEGORY).exists():
        return "skipped (needs the demo agent and the hotline catalogue)"
    made = 0
    for i, (name, phone, text) in enumerate(CALLS, start=1):
        order = hotline_services.ticket_create(
            actor=agent,
            channel="phone",
            request_type="assistance",
            category=CATEGORY,
            description=text,
            contact_name=name,
            contact_phone=phone,
            township=TOWNSHIP,
            region=REGION,
            idempotency_key=f"demo-hotspot-{i}",
        )
        made += not getattr(order, "replayed", False)
    result = services.hotspot_scan(region=REGION)
    return f"{made} demo requests; hotspot scan: {result.raised} raised, {result.updated} updated"
