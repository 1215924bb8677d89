"""Demo-seed steps of `knowledge`: the knowledge base (order 85, after the catalogue and the
organisations), then the search index over the catalogue and the knowledge base (order 90).

A node imports the national articles (no region), those of the regions above it and those of
its own region and the regions under it; another region's articles are that region's node's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.knowledge.services import article_import, index_rebuild
from onestop.org.selectors import region_covers

ARTICLES_FILE = Path("data") / "seed" / "knowledge_articles.json"


def load_articles() -> list[dict[str, Any]]:
    """The records of data/seed/knowledge_articles.json (demo content, see its `demo` field)."""
    path = Path(settings.BASE_DIR) / ARTICLES_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    return list(document["articles"])


def node_articles(region: str | None = None) -> list[dict[str, Any]]:
    """The articles of data/seed/knowledge_articles.json that a node of this region (default:
    this node's) holds."""
    node = region or seeding.node_region()
    return [
        article
        for article in load_articles()
        if not article.get("region")
        or region_covers(article["region"], node)
        or region_covers(node, article["region"])
    ]


@seeding.register(order=85, name="knowledge-articles", deferred=True)
def seed_knowledge_articles(region: str | None = None) -> str:
    counts = article_import(actor=SYSTEM, records=node_articles(region))
    return (
        f"{counts['created']} articles created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['skipped']} skipped"
    )


@seeding.register(order=90, name="search-index", deferred=True)
def seed_search_index() -> str:
    totals = index_rebuild()
    return (
        f"{totals['documents']} documents indexed, {totals['written']} written, "
        f"{totals['deleted']} deleted"
    )
