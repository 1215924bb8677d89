"""Writes to the ledger: appending entries, publishing signed checkpoints, cosignatures.

Appends are serialised on the single `LogHead` row (select_for_update; SQLite's IMMEDIATE
transactions serialise writers as well). Call `entry_append` inside your own transaction: the
entry commits or rolls back with your change, and the head row stays locked until you commit,
so keep those transactions short.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import keys
from onestop.core.errors import ValidationFailed
from onestop.ledger import conf, merkle, note, notices, selectors, tiles, witness
from onestop.ledger.canonical import NotCanonicalError, leaf_data
from onestop.ledger.models import (
    Checkpoint,
    Cosignature,
    Entry,
    LogHead,
    SplitViewAlarm,
    Tile,
    Witness,
    WitnessedLog,
)

logger = logging.getLogger(__name__)

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
    if not _edge_fits(size, edge):
        # This statement waited for another append's lock: PostgreSQL (READ COMMITTED) re-read
        # the head row in its new version, but the tiles joined to it as they were when the
        # statement began (found by the crash test: "tile 0/0 does not match a tree of size
        # N"). The lock is ours now: read the tiles again, they are the head's.
        edge = selectors.tile_rows(tiles.edge_keys(size))
    return size, edge


def _edge_fits(size: int, edge: dict[tiles.TileKey, tiles.TileRow]) -> bool:
    """Whether `edge` holds the partial tiles of a tree of `size`, each as wide as it should be."""
    return all(
        key in edge and len(edge[key][0]) == tiles.tile_width(size, *key) * tiles.HASH
        for key in tiles.edge_keys(size)
    )


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


# --- witnessing (c2sp.org/tlog-witness; docs/ledger.md, "Witnesses") ------------------------------
#
# No actor: like key rotation these are the operator's commands on the node's own machine
# (`onestop witness ...`) or the node acting on its own (the worker's tick, a peer being added);
# the add-checkpoint endpoint is public by design (the checkpoint's signature is the only
# authentication the protocol has).


def _log_verifiers(vkeys: str) -> list[note.Verifier]:
    return [note.parse_vkey(line) for line in vkeys.split("\n") if line.strip()]


def _verifier_key(vkey: str, sig_type: int, wrong_type: str) -> note.Verifier:
    """The parsed verifier key `vkey` of signature type `sig_type`, else ValidationFailed."""
    try:
        verifier = note.parse_vkey(vkey)
    except note.NoteError as exc:
        raise ValidationFailed(
            _("This is not a valid verifier key: %(reason)s") % {"reason": str(exc)},
            details={"vkey": vkey},
        ) from exc
    if verifier.sig_type != sig_type:
        raise ValidationFailed(wrong_type)
    return verifier


def witnessed_log_add(*, vkey: str, origin: str | None = None) -> WitnessedLog:
    """Witness another log: accept checkpoints of `origin` (by default the key's name) signed by
    the Ed25519 note key `vkey`. Adding a second key to a known origin keeps the first (a log's
    key rotation); the log's latest cosigned checkpoint is kept."""
    verifier = _verifier_key(
        vkey, note.SIG_ED25519, _("A log's verifier key must be an Ed25519 note key (type 0x01).")
    )
    origin = (origin or verifier.name).strip()
    if not origin or len(origin) > 255 or any(c.isspace() for c in origin):
        raise ValidationFailed(_("A log origin is 1 to 255 characters without spaces."))
    with transaction.atomic():
        log, created = WitnessedLog.objects.select_for_update().get_or_create(
            origin=origin, defaults={"vkeys": verifier.vkey}
        )
        if not created and verifier.vkey not in log.vkeys.split("\n"):
            log.vkeys = f"{log.vkeys}\n{verifier.vkey}"
            log.save(update_fields=["vkeys", "updated_at"])
    return log


def witnessed_log_remove(*, origin: str) -> bool:
    """Stop witnessing the log `origin` (and forget what was cosigned for it)."""
    deleted, _rows = WitnessedLog.objects.filter(origin=origin).delete()
    return bool(deleted)


def witness_add(*, name: str, url: str, vkey: str) -> Witness:
    """Submit this node's checkpoints to a witness: `url` is its tlog-witness submission prefix
    (`<url>/add-checkpoint`; a OneStop node's is ``https://<host>/federation/v1/witness``),
    `vkey` its cosignature/v1 verifier key (a OneStop node's `witness_vkey` at
    ``/api/v1/ledger/key``). Adding a known name again replaces its URL and key."""
    verifier = _verifier_key(
        vkey,
        note.SIG_COSIGNATURE_V1,
        _("A witness's key must be a cosignature/v1 key (type 0x04)."),
    )
    name, url = name.strip(), url.strip().rstrip("/")
    if not name or len(name) > 100:
        raise ValidationFailed(_("A witness name is 1 to 100 characters."))
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed(_("The witness URL must start with https:// or http://."))
    with transaction.atomic():
        witness, created = Witness.objects.select_for_update().get_or_create(
            name=name, defaults={"url": url, "vkey": verifier.vkey}
        )
        if not created and (witness.url, witness.vkey) != (url, verifier.vkey):
            witness.url, witness.vkey, witness.last_error = url, verifier.vkey, ""
            witness.save(update_fields=["url", "vkey", "last_error"])
    return witness


def witness_remove(*, name: str) -> bool:
    """Stop submitting to the witness `name` (its cosignatures already received are kept)."""
    deleted, _rows = Witness.objects.filter(name=name).delete()
    return bool(deleted)


def _region_administrators() -> list[Any]:
    from onestop.accounts import selectors as accounts_selectors
    from onestop.accounts.models import StaffRole
    from onestop.org.selectors import region_covers

    node = str(settings.NODE_REGION)
    users, seen = [], set()
    for role in accounts_selectors.role_holders(role=StaffRole.Role.ADMINISTRATOR):
        if region_covers(node, role.region_id) and role.user_id not in seen:
            seen.add(role.user_id)
            users.append(role.user)
    return users


def split_view_raise(
    *,
    side: str,
    origin: str,
    counterpart: str,
    known_size: int,
    known_root: bytes,
    offered_size: int,
    offered_root: bytes,
    evidence: str,
) -> SplitViewAlarm:
    """Record evidence of a split view, log it and tell the region administrators (in-app), once
    per (side, origin, counterpart, offered checkpoint)."""
    from onestop.notify import services as notify_services

    with transaction.atomic():
        alarm, created = SplitViewAlarm.objects.get_or_create(
            side=side,
            origin=origin,
            counterpart=counterpart,
            offered_size=offered_size,
            offered_root=offered_root,
            defaults={"known_size": known_size, "known_root": known_root, "evidence": evidence},
        )
        if created:
            logger.error(
                "ledger split view (%s): log %s, counterpart %s, cosigned size %d, offered size "
                "%d root %s",
                side,
                origin,
                counterpart,
                known_size,
                offered_size,
                note.b64(offered_root),
            )
            context = {
                "origin": origin,
                "counterpart": counterpart,
                "known_size": known_size,
                "offered_size": offered_size,
            }
            for user in _region_administrators():
                notify_services.notification_send(
                    template=notices.SPLIT_VIEW,
                    context=context,
                    recipient_user=user,
                    channels=("in_app",),
                    dedupe_key=f"{notices.SPLIT_VIEW}:{alarm.pk}:{user.pk}",
                )
    return alarm


@dataclass(frozen=True)
class WitnessAnswer:
    """What the add-checkpoint endpoint answers: HTTP status, body and content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def _refuse(status: int, message: str) -> WitnessAnswer:
    return WitnessAnswer(status, message + "\n")


def checkpoint_witness(*, body: bytes) -> WitnessAnswer:  # noqa: PLR0911 - one answer per rule
    """Act as a tlog-witness for a registered log: check an add-checkpoint request and answer as
    c2sp.org/tlog-witness says — 400 malformed, 404 unknown origin, 403 no valid signature by
    the log's key(s), 409 (``text/x.tlog.size``) when the old size is not the one last cosigned,
    422 for an inconsistent checkpoint or a bad proof, 200 with our cosignature line.

    The check of the old size and the update of the latest cosigned checkpoint happen under the
    log's row lock, so concurrent requests cannot roll it back. A checkpoint validly signed but
    inconsistent with the one cosigned before raises a split-view alarm.
    """
    try:
        request = witness.parse_add_checkpoint(body)
        text, _signatures = note.split(request.note)
        offered = note.parse_checkpoint(text)
    except (witness.RequestError, note.NoteError) as exc:
        return _refuse(400, str(exc))
    log = WitnessedLog.objects.filter(origin=offered.origin).only("pk", "vkeys").first()
    if log is None:
        return _refuse(404, "unknown log origin")
    try:
        _text, verified = note.open_note(request.note, _log_verifiers(log.vkeys))
    except note.NoteError as exc:
        return _refuse(403, str(exc))
    if request.old_size > offered.size:
        return _refuse(400, "the old size is larger than the checkpoint size")
    if offered.size == 0 and offered.root_hash != merkle.EMPTY_ROOT:
        return _refuse(422, "a checkpoint of size 0 must have the empty tree's root")
    if request.old_size == 0 and request.proof:
        return _refuse(422, "the consistency proof from size 0 must be empty")
    _kid, witness_key = keys.current_signing_key("witness")
    with transaction.atomic():
        log = WitnessedLog.objects.select_for_update().get(pk=log.pk)
        known_root = bytes(log.root_hash) or merkle.EMPTY_ROOT
        if request.old_size != log.size:
            return WitnessAnswer(409, witness.format_size(log.size), witness.SIZE_CONTENT_TYPE)
        inconsistent = ""
        if request.old_size > 0:
            try:
                merkle.verify_consistency(
                    request.old_size, offered.size, request.proof, known_root, offered.root_hash
                )
            except merkle.ProofError as exc:
                inconsistent = str(exc)
        if not inconsistent:
            line = note.cosign(text, conf.witness_name(), witness_key, max(1, int(time.time())))
            log_lines = "".join(
                note.find_signature(request.note, v.verifier).line for v in verified
            )
            log.size, log.root_hash = offered.size, offered.root_hash
            log.note = f"{text}\n{log_lines}{line}"
            log.save(update_fields=["size", "root_hash", "note", "updated_at"])
            return WitnessAnswer(200, line, witness.COSIGNATURES_CONTENT_TYPE)
    split_view_raise(
        side=SplitViewAlarm.Side.WITNESS,
        origin=offered.origin,
        counterpart=offered.origin,
        known_size=log.size,
        known_root=known_root,
        offered_size=offered.size,
        offered_root=offered.root_hash,
        evidence=request.note,
    )
    return _refuse(422, f"not consistent with the checkpoint cosigned before: {inconsistent}")


@dataclass(frozen=True)
class Submission:
    """What one witness did with our checkpoint: `outcome` is one of "cosigned", "up to date",
    "split view", "refused", "unreachable"."""

    witness: str
    outcome: str
    size: int
    detail: str = ""


def _post(url: str, body: bytes) -> tuple[int, str, bytes]:
    """POST `body` as text/plain; (status, content type, body), HTTP errors included."""
    request = urllib.request.Request(  # noqa: S310 - the operator configured an http(s) URL
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=conf.witness_timeout()) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def _witness_update(witness_row: Witness, **fields: Any) -> None:
    Witness.objects.filter(pk=witness_row.pk).update(**fields)


def _submit(witness_row: Witness, checkpoint: Checkpoint) -> Submission:  # noqa: PLR0911
    name, size, root = witness_row.name, checkpoint.size, bytes(checkpoint.root_hash)
    verifier = note.parse_vkey(witness_row.vkey)
    if Cosignature.objects.filter(
        origin=conf.origin(),
        size=size,
        root_hash=root,
        witness_name=verifier.name,
        witness_key_id=verifier.key_id,
    ).exists():
        return Submission(name, "up to date", size)
    old, tried = min(witness_row.size, size), set()
    url = f"{witness_row.url}/{witness.PATH}"
    while old not in tried:
        tried.add(old)
        proof = selectors.consistency_proof(first=old, second=size) if 0 < old < size else []
        try:
            status, _type, answer = _post(
                url, witness.format_add_checkpoint(old, proof, checkpoint.note)
            )
        except (OSError, ValueError) as exc:
            _witness_update(witness_row, last_error=f"unreachable: {exc}"[:1000])
            return Submission(name, "unreachable", size, str(exc))
        if status == 200:
            try:
                lines = witness.parse_cosignature_lines(answer)
                cosignature_add(signed_note=checkpoint.note + lines, witness_vkey=witness_row.vkey)
            except (witness.RequestError, ValidationFailed) as exc:
                detail = getattr(exc, "message", str(exc))
                _witness_update(witness_row, last_error=f"bad cosignature: {detail}"[:1000])
                return Submission(name, "refused", size, f"bad cosignature: {detail}")
            _witness_update(witness_row, size=size, last_ok_at=timezone.now(), last_error="")
            return Submission(name, "cosigned", size)
        if status == 409:
            try:
                known = witness.parse_size(answer)
            except witness.RequestError as exc:
                _witness_update(witness_row, last_error=f"HTTP 409: {exc}"[:1000])
                return Submission(name, "refused", size, str(exc))
            if known > size:  # the witness cosigned a larger tree of our log than we have
                return _split_view(witness_row, checkpoint, known, b"", old)
            _witness_update(witness_row, size=known)
            old = known
            continue
        if status == 422 and old > 0:  # the witness's view of our log at `old` is not ours
            return _split_view(witness_row, checkpoint, old, b"", old)
        detail = f"HTTP {status}: {answer[:200].decode('utf-8', 'replace').strip()}"
        _witness_update(witness_row, last_error=detail[:1000])
        return Submission(name, "refused", size, detail)
    _witness_update(witness_row, last_error="the witness keeps changing its size")
    return Submission(name, "refused", size, "the witness keeps changing its size")


def _monitored_checkpoint(witness_row: Witness) -> str:
    """Best effort: the witness's view of our log from its monitoring path
    (``<prefix>/<sha256(origin) hex>/checkpoint``), as evidence."""
    url = f"{witness_row.url}/{witness.origin_hash(conf.origin())}/checkpoint"
    try:
        with urllib.request.urlopen(url, timeout=conf.witness_timeout()) as response:  # noqa: S310
            return str(response.read(witness.MAX_BODY).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return ""


def _split_view(
    witness_row: Witness, checkpoint: Checkpoint, known: int, known_root: bytes, old: int
) -> Submission:
    """A witness holds a view of our log that is not ours: raise the alarm on our side."""
    seen = _monitored_checkpoint(witness_row)
    if seen:
        with contextlib.suppress(note.NoteError):
            found = note.parse_checkpoint(note.split(seen)[0])
            known, known_root = found.size, found.root_hash
    detail = (
        f"the witness holds a checkpoint of size {known} of this log that is not consistent "
        f"with ours (size {checkpoint.size})"
    )
    split_view_raise(
        side=SplitViewAlarm.Side.LOG,
        origin=conf.origin(),
        counterpart=witness_row.name,
        known_size=known,
        known_root=known_root,
        offered_size=checkpoint.size,
        offered_root=bytes(checkpoint.root_hash),
        evidence=seen or f"old {old}: {detail}",
    )
    _witness_update(witness_row, last_error=f"split view: {detail}"[:1000])
    return Submission(witness_row.name, "split view", checkpoint.size, detail)


def witnesses_submit() -> list[Submission]:
    """Submit the current checkpoint to every witness (the worker's periodic task and
    `onestop witness run`): each answers, is unreachable or times out before this returns.
    Cosignatures are verified against the witness's key and stored; a 409 is retried with the
    size the witness reports; a witness whose view of our log is not ours raises the alarm."""
    witnesses = list(Witness.objects.all())
    if not witnesses or selectors.tree_size() == 0:
        return []
    checkpoint = checkpoint_publish()
    return [_submit(w, checkpoint) for w in witnesses]
