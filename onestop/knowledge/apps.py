from django.apps import AppConfig
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

        @hooks.on_catalogue_changed
        def reindex(region: str) -> None:
            # The worker rebuilds the index; a catalogue import never waits for embeddings.
            tasks.index_region.enqueue(region)
