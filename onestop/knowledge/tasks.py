"""Background work of the search index (Django tasks API; run by `onestop worker`)."""

from django_tasks import task

from onestop.knowledge import services


@task()
def index_region(region: str) -> dict[str, int]:
    """Bring the region's search documents in line with its catalogue (idempotent)."""
    return services.index_rebuild(region=region)
