from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "onestop.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from onestop.catalog import hooks
        from onestop.knowledge import (  # noqa: F401  (seed and embeddings register their steps)
            embeddings,
            federated,
            seed,
            tasks,
        )

        federated.register()  # answers `catalog.search` from peers
        post_migrate.connect(reindex_stale, sender=self)

        @hooks.on_catalogue_changed
        def reindex(region: str) -> None:
            # The worker rebuilds the index; a catalogue import never waits for embeddings.
            tasks.index_region.enqueue(region)


def reindex_stale(**kwargs: Any) -> None:
    """After `migrate`: a rebuild for each region whose documents were embedded by another
    scheme (services.EMBEDDING_SCHEME; an existing node after an upgrade), so the worker
    re-encodes them; the search's freshness check then reloads the region's matrix."""
    from onestop.knowledge import services, tasks
    from onestop.knowledge.models import SearchDocument

    regions = (
        SearchDocument.objects.using(kwargs.get("using") or "default")
        .exclude(semantic_key__startswith=f"{services.EMBEDDING_SCHEME}:")
        .values_list("region", flat=True)
        .distinct()
    )
    for region in sorted(set(regions)):
        tasks.index_region.enqueue(region)
