"""Two appends at once on PostgreSQL (found by the crash test, tools/crash_test.py: three bundle
submissions out of 150 answered 500 with "tile 0/0 does not match a tree of size N").

The append locks the head row and reads the partial tiles in one statement. Under READ
COMMITTED, a statement that waited for the lock re-reads the locked row in its new version but
the tiles joined to it as they were when it started: the size of the other append's tree with
the tiles of the tree before it. The second append must see the first one's tiles."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from onestop.ledger import selectors, services
from onestop.ledger.models import Entry


def test_an_append_that_waited_for_another_sees_its_tiles(transactional_db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time (BEGIN IMMEDIATE)")
    services.entry_append(kind="test.first", payload={"n": 0})
    holding, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.entry_append(kind="test.concurrent", payload={"n": 1})
                holding.set()  # the head is locked until this commits
                done.wait(5)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            holding.set()
            connections.close_all()

    def second() -> None:
        try:
            holding.wait(10)
            services.entry_append(kind="test.concurrent", payload={"n": 2})  # waits for the lock
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    holding.wait(10)
    threading.Timer(1.0, done.set).start()  # let the second one wait on the lock a while
    for t in threads:
        t.join(30)

    assert errors == []
    assert Entry.objects.count() == 3
    assert selectors.tree_size() == 3
    assert sorted(Entry.objects.values_list("index", flat=True)) == [0, 1, 2]
    services.checkpoint_publish()  # the tree's tiles agree with its head: a checkpoint signs
