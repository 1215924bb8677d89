"""`core.tasks.enqueue_all`: several task rows in one insert, as `Task.enqueue` writes them."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from onestop.core import tasks as core_tasks
from onestop.hotline import tasks

pytestmark = pytest.mark.django_db

FIELDS = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name")


def _rows() -> list[dict[str, Any]]:
    rows = DBTaskResult.objects.order_by("-priority", "task_path").values(*FIELDS, "run_after")
    return [dict(r) for r in rows]


def test_enqueue_all_writes_the_rows_enqueue_writes_in_one_insert(
    django_assert_num_queries: Any,
) -> None:
    tasks.notify_citizens.enqueue(7, "hotline.received", {"number": "x"})
    tasks.route_orders.enqueue(7)
    one_by_one = _rows()
    DBTaskResult.objects.all().delete()

    with django_assert_num_queries(1):
        results = core_tasks.enqueue_all(
            [
                (tasks.notify_citizens, (7, "hotline.received", {"number": "x"})),
                (tasks.route_orders, (7,)),
            ]
        )

    assert _rows() == one_by_one
    assert [r.task.module_path for r in results] == [
        tasks.notify_citizens.module_path,
        tasks.route_orders.module_path,
    ]
    assert [r.args for r in results] == [[7, "hotline.received", {"number": "x"}], [7]]
    assert tasks.route_orders.get_result(results[1].id).status == "READY"
