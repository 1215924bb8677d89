"""The worked example in docs/ledger.md is right, and its verification snippet runs."""

import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onestop.ledger import merkle, note
from onestop.ledger.canonical import leaf_data

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", DOC, flags=re.DOTALL)
ORIGIN = "onestop.371121.example/ledger"
WITNESS = "onestop.370000.example/witness"
ITEMS = [
    ("sharing.access", {"record": "a1", "subject": "5f2c"}),
    ("sharing.access", {"record": "a2", "subject": "77e0"}),
    ("case.decision", {"case": "371121-20250601-0001", "result": "approved"}),
]


def _cosigned_example():
    (block,) = [body for lang, body in BLOCKS if body.startswith(ORIGIN + "\n3\n")]
    return block


def test_example_note_is_what_the_code_produces():
    hashes = [merkle.leaf_hash(leaf_data(k, p)) for k, p in ITEMS]
    for h in hashes:
        assert note.b64(h) in DOC
    root = merkle.mth(hashes)
    assert note.b64(root) in DOC
    log_key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    witness_key = Ed25519PrivateKey.from_private_bytes(bytes([1] * 32))
    text = note.Checkpoint(ORIGIN, 3, root).text
    expected = note.assemble(
        text,
        [
            note.sign(text, ORIGIN, log_key),
            note.cosign(text, WITNESS, witness_key, 1_750_000_000),
        ],
    )
    assert _cosigned_example() == expected
    assert note.Verifier(ORIGIN, log_key.public_key()).vkey in DOC
    witness = note.Verifier(WITNESS, witness_key.public_key(), note.SIG_COSIGNATURE_V1)
    assert witness.vkey in DOC
    assert f'["{note.b64(merkle.consistency_proof(2, hashes)[0])}"]' in DOC


def test_standalone_snippet_verifies_the_example(tmp_path, monkeypatch, capsys):
    (snippet,) = [body for lang, body in BLOCKS if lang == "python" and "checkpoint.txt" in body]
    (tmp_path / "checkpoint.txt").write_text(_cosigned_example())
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "docs/ledger.md", "exec"), {})  # noqa: S102 - our own documentation
    assert capsys.readouterr().out == "entry 1 is in the signed, cosigned log of size 3\n"
