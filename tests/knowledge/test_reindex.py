"""A catalogue import queues a re-index of its region for the background worker."""

import pytest
from django_tasks_db.models import DBTaskResult

from onestop.catalog import services as catalog
from onestop.catalog.seed import seed_document
from onestop.core.actors import SYSTEM
from onestop.credentials.seed import seed_licence_types
from onestop.knowledge.models import SearchDocument
from onestop.knowledge.tasks import index_region
from onestop.org.seed import seed_org
from onestop.sharing.seed import seed_datasets
from tests.factories import OTHER_REGION


@pytest.mark.django_db(transaction=True)
def test_catalogue_import_queues_reindex_and_the_worker_task_indexes():
    seed_org()
    seed_org(region=OTHER_REGION)
    seed_datasets()
    seed_licence_types()
    data = seed_document()
    catalog.catalog_import(actor=SYSTEM, data=data, region="371121", fmt="json")

    queued = DBTaskResult.objects.filter(task_path=index_region.module_path)
    assert queued.count() == 1
    assert queued.get().args_kwargs["args"] == ["371121"]

    result = index_region.call("371121")
    documents = SearchDocument.objects.filter(region="371121")
    assert result["documents"] == documents.count() == 147 + 13
    assert documents.filter(kind="scenario", ref="newborn").exists()


@pytest.mark.django_db(transaction=True)
def test_unchanged_import_queues_nothing():
    seed_org()
    seed_org(region=OTHER_REGION)
    seed_datasets()
    seed_licence_types()
    data = seed_document()
    catalog.catalog_import(actor=SYSTEM, data=data, region="371121", fmt="json")
    catalog.catalog_import(actor=SYSTEM, data=data, region="371121", fmt="json")
    assert DBTaskResult.objects.filter(task_path=index_region.module_path).count() == 1
