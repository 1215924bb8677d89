"""The floor of the Open311 benchmark: a view that reads the same form body and inserts one
row, through the same server, middleware and database as `POST /open311/v2/requests.json`.
What the real endpoint costs above it is routing, validation and the work order itself."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE = "bench_floor"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    body = request.POST.get("description", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s) RETURNING id", [body])  # noqa: S608
        (row_id,) = cursor.fetchone()
    return JsonResponse([{"service_request_id": str(row_id)}], safe=False)
