"""Item guide page and search API: median / p95 server time and queries per request, at the
seed size and with 10,000 generated items."""

from __future__ import annotations

import io
import os
import random

from bench.common import measure, setup_django, table, write

QUICK = os.environ.get("BENCH_QUICK") == "1"
TARGET_ITEMS = 10_000
QUERIES = [
    "孩子刚出生要办什么",
    "开饭店",
    "退休金",
    "营业执照",
    "how do I open a restaurant",
    "社保卡",
]


def _queries_per_request(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def _grow_catalogue(region: str, target: int) -> int:
    """Clone the seeded items (with their materials) under new codes until `target` items."""
    from django.db import transaction

    from onestop.catalog.models import Item, Material

    base = list(Item.objects.filter(region_id=region).prefetch_related("materials"))
    have = Item.objects.filter(region_id=region).count()
    rng = random.Random(7)
    new_items = []
    seq = 0
    while have + len(new_items) < target:
        src = rng.choice(base)
        seq += 1
        code = f"{src.code[:8]}BX-GG-{seq:05d}"
        clone = Item(
            **{
                f.attname: getattr(src, f.attname)
                for f in Item._meta.concrete_fields
                if f.attname not in ("id", "code", "created_at", "updated_at")
            },
            code=code,
        )
        clone.name_zh = f"{src.name_zh}（{seq}）"
        new_items.append((clone, list(src.materials.all())))
    with transaction.atomic():
        Item.objects.bulk_create([c for c, _ in new_items], batch_size=500)
        ids = dict(Item.objects.filter(code__contains="BX-GG-").values_list("code", "id"))
        fields = [f.attname for f in Material._meta.concrete_fields]
        fields = [f for f in fields if f not in ("id", "item_id")]
        new_materials = [
            Material(**{f: getattr(m, f) for f in fields}, item_id=ids[clone.code])
            for clone, mats in new_items
            for m in mats
        ]
        Material.objects.bulk_create(new_materials, batch_size=2000)
    return Item.objects.filter(region_id=region).count()


def _run_size(client, region: str, label: str, repeat: int) -> list[dict]:
    from onestop.catalog.models import Item

    codes = list(Item.objects.filter(region_id=region).values_list("code", flat=True))
    rng = random.Random(1)
    rows = []

    def item_page() -> None:
        client.get(f"/items/{rng.choice(codes)}/")

    stats = measure(item_page, repeat=repeat)
    rows.append(
        {
            "catalogue": label,
            "endpoint": "GET /items/<code>/",
            **stats,
            "queries": _queries_per_request(client, f"/items/{codes[0]}/"),
        }
    )

    def search() -> None:
        client.get("/api/v1/search", {"q": rng.choice(QUERIES), "lang": "zh-hans", "limit": 10})

    search()  # load the embedding model outside the timed loop
    stats = measure(search, repeat=repeat)
    rows.append(
        {
            "catalogue": label,
            "endpoint": "GET /api/v1/search",
            **stats,
            "queries": _queries_per_request(client, "/api/v1/search?q=%E5%BC%80%E9%A5%AD%E5%BA%97"),
        }
    )
    return rows


def main() -> None:
    setup_django("portal")
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from onestop.knowledge import services as knowledge

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    region = settings.NODE_REGION
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    repeat = 30 if QUICK else 200
    from onestop.catalog.models import Item

    seed_size = Item.objects.filter(region_id=region).count()
    rows = _run_size(client, region, f"seed ({seed_size} items)", repeat)
    target = 1_000 if QUICK else TARGET_ITEMS
    size = _grow_catalogue(region, target)
    knowledge.index_rebuild(region=region)
    rows += _run_size(client, region, f"generated ({size} items)", repeat)
    print(
        table("Portal and search: server time per request (Django test client, in-process)", rows)
    )
    path = write("portal", {"rows": rows, "quick": QUICK})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
