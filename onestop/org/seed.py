"""Demo-seed step of `org`: regions, department kinds, departments and service centres; and
`regions_load`, the administrative divisions a production node loads at `onestop init`.

The region rows and department kinds are reference data, loaded on every node (a node knows
the names of every region); departments and service centres only for the node's own region and
the regions under it (`demo_regions`).
"""

from __future__ import annotations

import datetime
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.core import seeding
from onestop.core.seed import sync_row
from onestop.org.models import (
    Department,
    DepartmentKind,
    OpeningHours,
    Region,
    ServiceCentre,
    Window,
)
from onestop.org.selectors import region_covers


def _load(name: str) -> Any:
    path = Path(settings.BASE_DIR) / "data" / "seed" / name
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def seeded_regions() -> tuple[str, ...]:
    """The regions data/seed has a demo node for: those with departments, in file order."""
    codes: dict[str, None] = {}
    for dept in _load("departments.json")["departments"]:
        codes.setdefault(dept["region"], None)
    return tuple(codes)


def demo_regions(node: str | None = None) -> list[str]:
    """The regions of data/seed whose demo data a node of region `node` (default: this node's
    `NODE_REGION`) seeds: its own and those under it, its own first."""
    node = node or seeding.node_region()
    return sorted(
        (code for code in seeded_regions() if region_covers(node, code)),
        key=lambda code: (code != node, code),
    )


def regions_load() -> int:
    """Load the administrative divisions (data/seed/regions.json: public reference data, not
    demo data; `onestop init` loads them too); how many rows changed."""
    changed = 0
    # Parents first: the file lists provinces before their cities and counties.
    for row in _load("regions.json"):
        _, did = sync_row(
            Region,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "level": row["level"],
                "parent_id": row.get("parent"),
            },
        )
        changed += did
    return changed


def _seed_departments(regions: list[str]) -> int:
    data = _load("departments.json")
    abbr: dict[str, str] = _load("catalog.json").get("dept_abbr", {})
    changed = 0
    for kind in data["kinds"]:
        _, did = sync_row(
            DepartmentKind,
            {"key": kind["key"]},
            {
                "name_zh": kind["name_zh"],
                "name_en": kind.get("name_en", ""),
                "abbr": abbr.get(kind["key"], ""),
                "category": kind.get("category", ""),
                "duties_zh": kind.get("duties_zh", ""),
                "duties_en": kind.get("duties_en", ""),
            },
        )
        changed += did
    for dept in data["departments"]:
        if dept["region"] not in regions:
            continue
        _, did = sync_row(
            Department,
            {"code": dept["code"]},
            {
                "name_zh": dept["name_zh"],
                "name_en": dept.get("name_en", ""),
                "region_id": dept["region"],
                "kind_id": dept["kind"],
            },
        )
        changed += did
    return changed


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _seed_centre(row: dict[str, Any]) -> int:
    centre, changed = sync_row(
        ServiceCentre,
        {"slug": row["slug"]},
        {
            "region_id": row["region"],
            "name_zh": row["name_zh"],
            "name_en": row.get("name_en", ""),
            "address_zh": row["address_zh"],
            "address_en": row.get("address_en", ""),
            "phone": row.get("phone", ""),
            "latitude": Decimal(row["latitude"]) if row.get("latitude") else None,
            "longitude": Decimal(row["longitude"]) if row.get("longitude") else None,
        },
    )
    count = int(changed)
    for w in row["windows"]:
        window, did = sync_row(
            Window,
            {"centre": centre, "number": w["number"]},
            {
                "name_zh": w["name_zh"],
                "name_en": w.get("name_en", ""),
                "comprehensive": bool(w.get("comprehensive")),
            },
        )
        count += did
        wanted = {f"{row['region']}-{kind}" for kind in w.get("departments", [])}
        current = set(window.departments.values_list("code", flat=True))
        if wanted != current:
            window.departments.set(Department.objects.filter(code__in=wanted))
            count += 1
    wanted_hours = {
        (day, _time(h["opens"]), _time(h["closes"]), bool(h.get("comprehensive_only")))
        for h in row.get("hours", [])
        for day in h["weekdays"]
    }
    current_hours = set(
        OpeningHours.objects.filter(centre=centre).values_list(
            "weekday", "opens", "closes", "comprehensive_only"
        )
    )
    if wanted_hours != current_hours:
        OpeningHours.objects.filter(centre=centre).delete()
        for day, opens, closes, only in sorted(wanted_hours):
            hours = OpeningHours(
                centre=centre, weekday=day, opens=opens, closes=closes, comprehensive_only=only
            )
            hours.full_clean()
            hours.save()
        count += 1
    return count


@seeding.register(order=20, name="org")
def seed_org(region: str | None = None) -> str:
    """Every region row; the departments and centres of `region` (default: this node's) and
    the regions under it."""
    regions = demo_regions(region)
    changed = regions_load() + _seed_departments(regions)
    centres = [row for row in _load("centres.json")["centres"] if row["region"] in regions]
    for row in centres:
        changed += _seed_centre(row)
    departments = Department.objects.filter(region_id__in=regions).count()
    return (
        f"{Region.objects.count()} regions, {departments} departments and {len(centres)} "
        f"service centres of {', '.join(regions) or 'no demo region'} (demo addresses), "
        f"{changed} changed"
    )
