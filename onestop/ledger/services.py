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


# Tile levels an append may extend: level L has a partial tile once the log holds 256**L entries,
# so seven levels serve logs below 2**56 entries (shifts stay below 64 bits in SQL).
EDGE_LEVELS = 7


def _lock_head_and_edge() -> tuple[int, dict[tiles.TileKey, tiles.TileRow]]:
    """Lock the head row and read the partial tiles of the tree it describes, in one statement
    (one round trip instead of two; issue #9's append profile). Falls back to `_lock_head` and
    `selectors.tile_rows` when the head row does not exist yet."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE OF h" if connection.features.has_select_for_update_of else ""
    levels = ", ".join(f"({level})" for level in range(EDGE_LEVELS))
    sql = (
        # the partial tile of level L is (L, size >> (8L + 8)), if (size >> 8L) % 256 > 0
        f"WITH l(lv) AS (VALUES {levels}) "  # noqa: S608
        f"SELECT h.size, t.level, t.{quote('index')}, t.hashes, t.{quote('inner')} "
        f"FROM {quote(LogHead._meta.db_table)} h CROSS JOIN l "
        f"LEFT JOIN {quote(Tile._meta.db_table)} t ON t.level = l.lv "
        f"AND t.{quote('index')} = (h.size >> (8 * l.lv + 8)) "
        f"WHERE h.id = 1 AND ((h.size >> (8 * l.lv)) & 255) <> 0{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
        if not rows:  # an empty log (or no head row yet): no partial tile either
            size = _lock_head()
            return size, selectors.tile_rows(tiles.edge_keys(size))
    size = rows[0][0]
    if size >> (8 * EDGE_LEVELS):
        raise ValidationFailed(_("The log is full."))
    edge = {(lv, ix): (bytes(h), bytes(i)) for _s, lv, ix, h, i in rows if lv is not None}
    return size, edge


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


def _write_postgresql(
    first: int,
    leaf_data: list[bytes],
    leaf_hashes: bytes,
    changed: list[tuple[int, int, bytes, bytes]],
    head: tuple[int, bytes, Any],
) -> None:
    """A batch's entries, its tiles and the new head in ONE statement of data-modifying CTEs:
    one round trip where COPY, the tile upsert and the head update took four, each a wake-up of
    the server process on a busy machine (issue #9). The entries travel as four values, not
    five per row: their leaf data as one JSON array (the server splits it with
    `jsonb_array_elements`; `kind` and `payload` are its members), their leaf hashes as one
    `bytea` cut in 32-byte slices, the first index and the time. (Arrays of one value per row
    were slower: psycopg quotes each element of a text array in Python.)"""
    quote = connection.ops.quote_name
    index, inner = quote("index"), quote("inner")
    tiles_sql = (
        # an append always changes at least the partial (or just completed) tile of level 0
        f"t AS (INSERT INTO {quote(Tile._meta.db_table)} (level, {index}, hashes, {inner}) "  # noqa: S608
        f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(changed))} "
        f"ON CONFLICT (level, {index}) DO UPDATE SET hashes = excluded.hashes, "
        f"{inner} = excluded.{inner}) "
    )
    sql = (
        f"WITH e AS (INSERT INTO {quote(Entry._meta.db_table)} "  # noqa: S608
        f"({index}, leaf_hash, kind, payload, created_at) "
        "SELECT %s::bigint + x.o - 1, substring(%s::bytea FROM (32 * x.o - 31)::int FOR 32), "
        "x.e ->> 'kind', x.e -> 'payload', %s "
        f"FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS x(e, o)), {tiles_sql}"
        f"UPDATE {quote(LogHead._meta.db_table)} SET size = %s, frontier = %s, updated_at = %s "
        "WHERE id = 1"
    )
    size, frontier, now = head
    data = (b"[" + b",".join(leaf_data) + b"]").decode()
    params = [first, leaf_hashes, now, data, *(v for row in changed for v in row)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size, frontier, now])


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
    # no savepoint of its own: every item was validated above, so a failure here is the
    # database's, and it breaks the caller's transaction as it should (the entries commit or
    # roll back with the caller's change)
    with transaction.atomic(savepoint=False):
        first, edge = _lock_head_and_edge()
        writer = tiles.TileWriter(first, edge)
        entries: list[Entry] = []
        hashes = []
        for kind, payload, data in leaves:
            h = merkle.leaf_hash(data)
            entries.append(_entry(writer.size, h, kind, payload, now, alias=alias))
            writer.append(h)
            hashes.append(h)
        head = (writer.size, b"".join(writer.frontier()), stored_now)
        if connection.vendor == "postgresql":
            leaf_data = [leaf for _kind, _payload, leaf in leaves]
            _write_postgresql(first, leaf_data, b"".join(hashes), writer.changed(), head)
        else:
            rows = [
                # the leaf data is {"kind":<kind>,"payload":<canonical payload>}: cut it out
                (first + n, h, kind, data[len(kind) + 21 : -1].decode(), stored_now)
                for n, ((kind, _payload, data), h) in enumerate(zip(leaves, hashes, strict=True))
            ]
            _insert_entries(rows)
            _save_tiles(writer.changed())
            _save_head(*head)
    return entries


def entry_append(*, kind: str, payload: Mapping[str, Any]) -> Entry:
    """Append one entry; its leaf data is canonical JSON of {"kind": kind, "payload": payload}.

    `kind` names the record type (e.g. "sharing.access"); `payload` is a JSON object of strings,
    integers (|n| < 2**53), booleans, null, lists and objects: floats are refused. Prefer a
    salted hash of personal data over the data itself: the log is replicated and never erased.
    """
    return entries_append_batch(items=[(kind, payload)])[0]


def checkpoint_publish() -> Checkpoint:
    """The signed checkpoint of the current tree, signed with the node's current key.

    A checkpoint already signed for this size and key is returned as it is.
    """
    kid, private_key = keys.current_signing_key()
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
    _kid, private_key = keys.current_signing_key()
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
