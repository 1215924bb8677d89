"""Demo-seed steps of the hotline: the dispatch catalogue (order 70, national reference data,
on every node), the demo regions' jurisdiction tables (order 71) and a few demo work orders of
Wulian (order 75, only on a node whose region is or covers Wulian: the orders are about places
there), made through the services. All are idempotent.

DEVELOPMENT DATA ONLY: the callers and phone numbers below are invented.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import User
from onestop.core import seeding
from onestop.core.seed import sync_row
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline import services
from onestop.hotline.models import Category, TimeLimitClass, WorkOrder
from onestop.org import selectors as org_selectors
from onestop.org.seed import demo_regions


def _load() -> dict[str, Any]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "hotline.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@seeding.register(order=70, name="hotline-catalogue")
def seed_catalogue() -> str:
    data = _load()
    changed = 0
    for row in data["time_limit_classes"]:
        _, did = sync_row(
            TimeLimitClass,
            {"key": row["key"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "respond_hours": Decimal(str(row["respond_hours"])),
                "resolve": row["resolve"],
                "description_en": row.get("description_en", ""),
            },
        )
        changed += did
    # Parents come before their children in the file.
    for row in sorted(data["categories"], key=lambda r: (r["level"], r["code"])):
        _, did = sync_row(
            Category,
            {"code": row["code"]},
            {
                "parent_id": row.get("parent"),
                "level": row["level"],
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "description": row.get("description_en", ""),
                "keywords": list(row.get("keywords_zh", [])),
                "default_kind_id": row.get("default_kind"),
                "time_limit_class_id": row.get("time_limit_class"),
            },
        )
        changed += did
    return f"{changed} changed"


@seeding.register(order=71, name="hotline-jurisdiction")
def seed_jurisdiction(region: str | None = None) -> str:
    """The jurisdiction table of each demo region (`demo_regions`): per level-2 category, the
    region's department of the catalogue's owner kind (the first township for a township
    matter: a request naming another township goes to that one), plus the place rules of
    data/seed/hotline.json (`place_rules`: a village's illegal building goes to its township,
    a complaint about the 12345 hotline itself to the hotline centre), each to the region's
    department of the rule's kind. Written through `services.jurisdiction_set` by the system
    (audited). Only missing rules are written: a rule a supervisor changed stays as it is."""
    data = _load()
    wanted = [
        (row["code"], "", row["default_kind"])
        for row in sorted(data["categories"], key=lambda r: r["code"])
        if row["level"] == 2 and row.get("default_kind")
    ]
    wanted += [(r["category"], r["place"], r["kind"]) for r in data.get("place_rules", [])]
    known = set(Category.objects.filter(level=2).values_list("code", flat=True))
    written = 0
    regions = demo_regions(region)
    for code in regions:
        first: dict[str, str] = {}
        for kind, dept in sorted(
            org_selectors.department_list(region=code).values_list("kind_id", "code"),
            key=lambda r: r[1],
        ):
            first.setdefault(kind, dept)
        have = set(
            hotline_selectors.jurisdiction_list(region=code).values_list("category_id", "place")
        )
        for category, place, kind in wanted:
            if (category, place) in have or category not in known or kind not in first:
                continue
            services.jurisdiction_set(
                actor=services.SYSTEM,
                region=code,
                category=category,
                place=place,
                department=first[kind],
            )
            written += 1
    return f"{written} jurisdiction rules written for {', '.join(regions) or 'no demo region'}"


DEMO_REGION = "371121"  # the demo work orders name places and departments of Wulian

Step = Callable[[dict[str, User], WorkOrder], Any]

DEMO: list[dict[str, Any]] = [
    {
        "key": "demo-hotline-1",
        "request_type": "consultation",
        "category": "government-services.approval-services",
        "description": "请问在五莲县办理个体工商户营业执照需要带哪些材料？",
        "contact_name": "王先生",
        "contact_phone": "13800001111",
        "steps": [
            lambda u, o: services.ticket_answer_on_spot(
                actor=u["agent"],
                order=o,
                text="带本人身份证和经营场所证明，到县政务服务中心综合窗口办理，也可在网上办理。",
            )
        ],
    },
    {
        "key": "demo-hotline-2",
        "request_type": "complaint",
        "category": "public-security.public-order",
        "description": "洪凝街道某小区楼下烧烤店每天营业到凌晨两点，噪声扰民。",
        "contact_name": "李女士",
        "contact_phone": "13800002222",
        "address": "五莲县洪凝街道",
        "township": "洪凝街道",
        "steps": [
            lambda u, o: services.ticket_dispatch(
                actor=u["agent"], order=o, department="371121-public-security"
            ),
            lambda u, o: services.ticket_sign_for(actor=u["officer-ps"], order=o),
            lambda u, o: services.ticket_start(actor=u["officer-ps"], order=o),
        ],
    },
    {
        "key": "demo-hotline-3",
        "request_type": "complaint",
        "category": "labor.wage-arrears",
        "description": "我在某建筑工地务工，工程已结束三个月，老板仍拖欠工资一万二千元。",
        "contact_name": "赵先生",
        "contact_phone": "13800003333",
        "steps": [
            lambda u, o: services.ticket_dispatch(
                actor=u["agent"], order=o, department="371121-human-resources-social-security"
            ),
            lambda u, o: services.ticket_sign_for(actor=u["officer-hr"], order=o),
            lambda u, o: services.ticket_start(actor=u["officer-hr"], order=o),
            lambda u, o: services.ticket_reply(
                actor=u["officer-hr"],
                order=o,
                text="已约谈施工企业，欠薪已于本周全额支付。",
            ),
            lambda u, o: services.ticket_callback(
                actor=u["agent"], order=o, satisfied=True, resolved=True, note="市民表示满意。"
            ),
        ],
    },
    {
        "key": "demo-hotline-4",
        "request_type": "assistance",
        "category": "utilities.water",
        "description": "街头镇某村自来水停水一天了，没有接到任何通知。",
        "contact_name": "孙女士",
        "contact_phone": "13800004444",
        "township": "街头镇",
        "steps": [],
    },
]


@seeding.register(order=75, name="hotline-demo")
def seed_demo_orders(region: str | None = None) -> str:
    if DEMO_REGION not in demo_regions(region):
        return f"no demo work orders for this region (they are {DEMO_REGION}'s)"
    users = accounts_selectors.users_by_username(["agent", "officer-ps", "officer-hr"])
    if len(users) < 3 or not Category.objects.exists():
        return "skipped (needs the demo accounts and the hotline catalogue)"
    created = 0
    for spec in DEMO:
        order = services.ticket_create(
            actor=users["agent"],
            channel="phone",
            request_type=spec["request_type"],
            category=spec["category"],
            description=spec["description"],
            contact_name=spec["contact_name"],
            contact_phone=spec["contact_phone"],
            address=spec.get("address", ""),
            township=spec.get("township", ""),
            region=DEMO_REGION,
            idempotency_key=spec["key"],
        )
        if getattr(order, "replayed", False):
            continue  # seeded before: its key and body are the same
        for step in spec["steps"]:
            order = step(users, order)
        created += 1
    return f"{created} demo work orders created"
