"""API shapes of the ledger. Every hash is standard base64 with padding (RFC 4648 §4) of the
32 raw SHA-256 bytes, the same encoding as the checkpoint's root line."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from onestop.ledger.models import Entry
from onestop.ledger.note import b64

HASH = "base64 (RFC 4648, padded) of the 32-byte SHA-256 hash"


class EntryOut(Schema):
    index: int = Field(description="Position of the entry in the log, from 0.")
    leaf_hash: str = Field(
        description=f"RFC 9162 leaf hash SHA-256(0x00 || leaf data), {HASH}. The leaf data is "
        'the canonical JSON (RFC 8785) of {"kind": kind, "payload": payload}.'
    )
    kind: str = Field(description="Record type, e.g. sharing.access.")
    payload: dict[str, Any] = Field(description="The JSON object that was logged.")
    created_at: datetime.datetime = Field(description="When it was appended (not hashed).")

    @staticmethod
    def resolve_leaf_hash(obj: Entry) -> str:
        return b64(bytes(obj.leaf_hash))


class InclusionProofOut(Schema):
    index: int
    size: int = Field(description="Tree size the proof is for.")
    leaf_hash: str = Field(description=f"Leaf hash of the entry, {HASH}.")
    root_hash: str = Field(description=f"Root hash of the tree of `size` entries, {HASH}.")
    hashes: list[str] = Field(
        description=f"RFC 9162 §2.1.3 inclusion path, leaf to root, each {HASH}."
    )


class ConsistencyProofOut(Schema):
    first: int
    second: int
    first_root: str = Field(description=f"Root hash at size `first`, {HASH}.")
    second_root: str = Field(description=f"Root hash at size `second`, {HASH}.")
    hashes: list[str] = Field(
        description=f"RFC 9162 §2.1.4 consistency proof, each {HASH}; empty for equal sizes."
    )


class KeyOut(Schema):
    kid: str = Field(description="The node's id for its current signing key.")
    algorithm: str = Field(description="Always Ed25519.")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    name: str = Field(description="Signed-note key name: the checkpoint origin.")
    key_id: str = Field(
        description="Signed-note key id, hex: SHA-256(name || 0x0A || 0x01 || key)[:4]."
    )
    vkey: str = Field(description="Note verifier key: <name>+<hex key id>+<base64(0x01 || key)>.")
    witness_name: str = Field(description="Name this node cosigns other logs' checkpoints under.")
    witness_vkey: str = Field(
        description="Cosignature verifier key: <name>+<hex key id>+<base64(0x04 || key)>."
    )


class CosignedCheckpointOut(Schema):
    size: int = Field(description="Tree size of the checkpoint.")
    root_hash: str = Field(description=f"Its root hash, {HASH}.")
    witnessed: bool = Field(description="Whether at least `quorum` witnesses cosigned it.")
    cosigned_by: list[str] = Field(
        description="This node's names of the witnesses whose cosignature it holds on it."
    )


class WitnessingOut(Schema):
    quorum: int = Field(description="Cosignatures needed (setting LEDGER_WITNESS_QUORUM).")
    witnesses: list[str] = Field(description="The witnesses this node submits checkpoints to.")
    current: CosignedCheckpointOut = Field(
        description="The checkpoint `GET /checkpoint` serves now, and who cosigned it."
    )
    latest_witnessed: CosignedCheckpointOut | None = Field(
        description="The largest checkpoint a quorum cosigned: every entry below its size is "
        "witnessed. Null if none is yet."
    )
