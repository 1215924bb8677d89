"""The built-in ``ping`` message type: a signed ``pong`` with both nodes' times, for operators
and monitoring (`onestop peer ping REGION`, the network screen)."""

from __future__ import annotations

import datetime
from typing import Any

from onestop.federation import conf, handlers


def pong(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "type": "pong",
        "ping_from": envelope["from"],
        "ping_created": envelope["created"],
        "pong_from": conf.region(),
        "pong_created": now,
    }


handlers.register("ping", pong)
