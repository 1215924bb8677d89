"""Canonical JSON (RFC 8785, JCS) for the subset the ledger accepts: objects, arrays, strings,
booleans, null and integers of magnitude below 2**53. Floats are refused, so no number
formatting question arises; the encoding is then byte-identical to RFC 8785."""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonicalError(ValueError):
    """The value cannot be encoded as canonical JSON."""


def _encode(value: Any, out: list[str]) -> None:  # noqa: PLR0912 - one branch per JSON type
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalError(f"integer {value} is outside the JSON safe range")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NotCanonicalError("object keys must be strings")
        out.append("{")
        # RFC 8785 §3.2.3: sort by the UTF-16 code units of the keys.
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    else:
        raise NotCanonicalError(f"{type(value).__name__} is not allowed in a ledger payload")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 UTF-8 bytes of `value`."""
    out: list[str] = []
    _encode(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise NotCanonicalError("strings must be valid Unicode") from exc


def leaf_data(kind: str, payload: Any) -> bytes:
    """The bytes a ledger leaf hashes: canonical JSON of {"kind": kind, "payload": payload}."""
    return canonical_json({"kind": kind, "payload": payload})
