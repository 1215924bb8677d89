"""Writes to the ledger: appending entries, publishing signed checkpoints, cosignatures.

Appends are serialised on the single `LogHead` row (select_for_update; SQLite's IMMEDIATE
transactions serialise writers as well). Call `entry_append` inside your own transaction: the
entry commits or rolls back with your change, and the head row stays locked until you commit,
so keep those transactions short.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import keys
from onestop.core.errors import ValidationFailed
from onestop.ledger import conf, merkle, note, selectors, tiles
from onestop.ledger.canonical import NotCanonicalError, leaf_data
from onestop.ledger.models import Checkpoint, Cosignature, Entry, LogHead, Tile

KIND_RE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
INSERT_CHUNK = 400  # rows per INSERT statement (5 parameters each)


def _leaf(kind: str, payload: Mapping[str, Any]) -> bytes:
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise ValidationFailed(
            _("The entry kind must be 1 to 64 lower-case letters, digits or ._:- characters."),
            details={"kind": kind},
        )
    if not isinstance(payload, dict):
        raise ValidationFailed(_("The entry payload must be a JSON object."))
    try:
        data = leaf_data(kind, payload)
    except NotCanonicalError as exc:
        raise ValidationFailed(
            _("The entry payload cannot be written as canonical JSON: %(reason)s")
            % {"reason": str(exc)}
        ) from exc
    if len(data) > tiles.MAX_ENTRY:
        raise ValidationFailed(
            _("The entry is %(size)d bytes as canonical JSON; at most %(limit)d are allowed.")
            % {"size": len(data), "limit": tiles.MAX_ENTRY},
            details={"size": len(data)},
        )
    return data


def _lock_head() -> int:
    """Lock the head row (creating it on first use) and return the tree size."""
    head, _created = LogHead.objects.select_for_update().only("size").get_or_create(pk=1)
    return head.size


def _save_head(size: int, frontier: bytes, now: Any) -> None:
    table = connection.ops.quote_name(LogHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET size = %s, frontier = %s, updated_at = %s WHERE id = 1",  # noqa: S608
            [size, frontier, now],
        )


def _insert_entries(rows: list[tuple[int, bytes, str, str, Any]]) -> None:
    """Write the entry rows: COPY on PostgreSQL, multi-row INSERTs on SQLite. The ORM's
    per-object preparation was most of the cost of a batch, and psycopg's parsing of a long
    INSERT's placeholders most of what was left (docs/ledger.md, "Speed"). `payload` is
    already JSON text."""
    table = connection.ops.quote_name(Entry._meta.db_table)
    columns = '("index", leaf_hash, kind, payload, created_at)'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        one = "(%s, %s, %s, %s, %s)"
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cursor.execute(
                # the table name is our own model's; every value is a parameter
                f"INSERT INTO {table} {columns} VALUES {', '.join([one] * len(chunk))}",  # noqa: S608
                [value for row in chunk for value in row],
            )


def _entry(index: int, h: bytes, kind: str, payload: Any, now: Any, *, alias: str) -> Entry:
    """The saved `Entry`, built the way Django unpickles a model (``__new__`` and its
    ``__dict__``): `Model.__init__` was a quarter of a batch's time (docs/ledger.md, "Speed")."""
    entry = Entry.__new__(Entry)
    entry.__dict__.update(
        index=index, leaf_hash=h, kind=kind, payload=payload, created_at=now, _state=ModelState()
    )
    entry._state.adding = False
    entry._state.db = alias
    return entry


def _save_tiles(changed: list[tuple[int, int, bytes, bytes]]) -> None:
    """Upsert the tiles an append touched (ON CONFLICT works on SQLite and PostgreSQL)."""
    if not changed:
        return
    table = connection.ops.quote_name(Tile._meta.db_table)
    inner = connection.ops.quote_name("inner")  # a reserved word on PostgreSQL
    values = ", ".join(["(%s, %s, %s, %s)"] * len(changed))
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} (level, "index", hashes, {inner}) VALUES {values} '  # noqa: S608
            f'ON CONFLICT (level, "index") DO UPDATE SET hashes = excluded.hashes, '
            f"{inner} = excluded.{inner}",
            [value for row in changed for value in row],
        )


def entries_append_batch(*, items: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Entry]:
    """Append `(kind, payload)` pairs in order, in one transaction; returns the new entries.

    Every item is validated before anything is written: one bad item appends nothing. Call it
    inside your own transaction to commit the entries with your change.
    """
    leaves = [(kind, payload, _leaf(kind, payload)) for kind, payload in items]
    if not leaves:
        return []
    now = timezone.now()
    stored_now = connection.ops.adapt_datetimefield_value(now)
    alias = connection.alias
    with transaction.atomic():
        size = _lock_head()
        writer = tiles.TileWriter(size, selectors.tile_rows(tiles.edge_keys(size)))
        entries: list[Entry] = []
        rows = []
        for kind, payload, data in leaves:
            h = merkle.leaf_hash(data)
            index = writer.size
            writer.append(h)
            entries.append(_entry(index, h, kind, payload, now, alias=alias))
            # the leaf data is {"kind":<kind>,"payload":<canonical payload>}: cut the payload out
            rows.append((index, h, kind, data[len(kind) + 21 : -1].decode(), stored_now))
        _insert_entries(rows)
        _save_tiles(writer.changed())
        _save_head(writer.size, b"".join(writer.frontier()), stored_now)
    return entries


def entry_append(*, kind: str, payload: Mapping[str, Any]) -> Entry:
    """Append one entry; its leaf data is canonical JSON of {"kind": kind, "payload": payload}.

    `kind` names the record type (e.g. "sharing.access"); `payload` is a JSON object of strings,
    integers (|n| < 2**53), booleans, null, lists and objects: floats are refused. Prefer a
    salted hash of personal data over the data itself: the log is replicated and never erased.
    """
    return entries_append_batch(items=[(kind, payload)])[0]


def checkpoint_publish() -> Checkpoint:
    """The signed checkpoint of the current tree, signed with the node's current ledger key.

    A checkpoint already signed for this size and key is returned as it is.
    """
    kid, private_key = keys.current_signing_key("ledger")
    size = selectors.tree_size()
    existing = Checkpoint.objects.filter(size=size, kid=kid).first()
    if existing is not None:
        return existing
    root = selectors.root_hash(size=size)
    body = note.Checkpoint(conf.origin(), size, root).text
    signed = note.assemble(body, [note.sign(body, conf.origin(), private_key)])
    try:
        with transaction.atomic():
            return Checkpoint.objects.create(size=size, root_hash=root, kid=kid, note=signed)
    except IntegrityError:  # another worker published the same checkpoint first
        return Checkpoint.objects.get(size=size, kid=kid)


def checkpoint_cosign(*, signed_note: str, log_vkey: str, timestamp: int | None = None) -> str:
    """Act as a witness for another node's log: verify its checkpoint against its key and
    return our cosignature/v1 line (append it to the note to get the cosigned checkpoint).

    Checking consistency with what this witness saw before is the tlog-witness protocol's job.
    """
    try:
        log_verifier = note.parse_vkey(log_vkey)
        checkpoint = note.verify_checkpoint(signed_note, log_verifier)
    except note.NoteError as exc:
        raise ValidationFailed(
            _("The checkpoint does not verify against the log's key: %(reason)s")
            % {"reason": str(exc)}
        ) from exc
    _kid, private_key = keys.current_signing_key("witness")
    when = int(time.time()) if timestamp is None else timestamp
    return note.cosign(checkpoint.text, conf.witness_name(), private_key, when)


def cosignature_add(*, signed_note: str, witness_vkey: str) -> Cosignature:
    """Store a witness's cosignature on one of this node's checkpoints, after checking it.

    `signed_note` is our checkpoint with the witness's cosignature line; `witness_vkey` is the
    witness's cosignature/v1 verifier key (``name+id+base64(0x04 || key)``).
    """
    try:
        witness = note.parse_vkey(witness_vkey)
        checkpoint, timestamp = note.verify_cosignature(signed_note, witness)
    except note.NoteError as exc:
        raise ValidationFailed(
            _("The cosignature does not verify: %(reason)s") % {"reason": str(exc)}
        ) from exc
    if (
        checkpoint.origin != conf.origin()
        or not Checkpoint.objects.filter(
            size=checkpoint.size, root_hash=checkpoint.root_hash
        ).exists()
    ):
        raise ValidationFailed(_("The cosigned checkpoint was not published by this node."))
    line = note.find_signature(signed_note, witness).line
    with transaction.atomic():
        cosignature, _created = Cosignature.objects.get_or_create(
            origin=checkpoint.origin,
            size=checkpoint.size,
            witness_name=witness.name,
            timestamp=timestamp,
            defaults={
                "root_hash": checkpoint.root_hash,
                "witness_key_id": witness.key_id,
                "line": line,
            },
        )
    return cosignature
