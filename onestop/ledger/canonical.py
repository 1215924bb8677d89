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


_SCALARS = frozenset({str, bool, type(None)})
# one encoder for every call: json.dumps with options builds a new JSONEncoder each time
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> bool:
    """Only dicts with string keys, lists, strings, booleans, null and safe integers, of exactly
    these types (no subclasses, tuples or floats). A loop over a stack, strings (most values)
    skipped without a push: the recursive check was half of a batched append's CPU (docs/
    ledger.md, "Speed")."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return False
                if type(child) is not str:
                    stack.append(child)
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        elif kind not in _SCALARS:
            return False
    return True


def _fast(value: Any) -> bytes | None:
    """For plain values (`_plain`), `json.dumps` with sorted keys and no whitespace is RFC 8785
    unless a key holds a character outside the BMP (Python sorts keys by code point, JCS by
    UTF-16 code units): 3-4 times faster than the exact encoder (docs/ledger.md, "Speed")."""
    try:
        if not _plain(value):
            return None
        text = _ENCODER.encode(value)
        if not text.isascii() and max(text) > "\uffff":
            return None
        return text.encode("utf-8")
    except (ValueError, RecursionError):  # lone surrogates, deep nesting: the exact encoder says
        return None


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 UTF-8 bytes of `value`."""
    fast = _fast(value)
    if fast is not None:
        return fast
    out: list[str] = []
    _encode(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise NotCanonicalError("strings must be valid Unicode") from exc


def leaf_data(kind: str, payload: Any) -> bytes:
    """The bytes a ledger leaf hashes: canonical JSON of {"kind": kind, "payload": payload}."""
    return canonical_json({"kind": kind, "payload": payload})
