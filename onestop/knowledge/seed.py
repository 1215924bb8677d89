"""Demo-seed step of `knowledge`: build the search index after the catalogue is seeded."""

from __future__ import annotations

from onestop.core import seeding
from onestop.knowledge.services import index_rebuild


@seeding.register(order=90, name="search-index")
def seed_search_index() -> str:
    totals = index_rebuild()
    return (
        f"{totals['documents']} documents indexed, {totals['written']} written, "
        f"{totals['deleted']} deleted"
    )
