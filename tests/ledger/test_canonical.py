"""Canonical JSON: the fast path (json.dumps checked by a round trip) gives exactly the bytes
of the exact RFC 8785 encoder, and refuses what the exact encoder refuses."""

import pytest

from onestop.ledger import canonical

SAME = [
    {},
    {"b": 1, "a": [True, False, None], "c": {"z": "x", "y": -(2**53 - 1)}},
    {"名称": "出生医学证明", "escape": 'quote " backslash \\ tab \t ctl \x01 del \x7f'},
    {"\u2028": "line separator", "\ue000": "private use", "e\u0301": "combining"},
    {"\U0001f600": 1, "\ufb01": 2},  # astral key: JCS sorts by UTF-16 units (exact path)
    {"t": (1, 2)},  # a tuple is a list (exact path)
    [1, "x", {"k": None}],
]

REFUSED = [
    {"x": 1.5},
    {"x": 1.0},
    {"x": float("nan")},
    {"x": 2**53},
    {1: "int key"},
    {True: "bool key"},
    {"x": object()},
    {"x": "\ud800"},  # a lone surrogate is not Unicode
]


@pytest.mark.parametrize("value", SAME)
def test_fast_path_matches_the_exact_encoder(value):
    out: list[str] = []
    canonical._encode(value, out)
    assert canonical.canonical_json(value) == "".join(out).encode("utf-8")


def test_astral_keys_sort_by_utf16_code_units():
    # U+1F600 is D83D DE00 in UTF-16, below U+FB01; by code point it would sort after it.
    assert canonical.canonical_json({"\U0001f600": 1, "\ufb01": 2}) == (
        '{"\U0001f600":1,"\ufb01":2}'.encode()
    )


@pytest.mark.parametrize(
    "value",
    REFUSED,
    ids=["float", "float-one", "nan", "unsafe-int", "int-key", "bool-key", "object", "surrogate"],
)
def test_what_the_exact_encoder_refuses_is_refused(value):
    with pytest.raises(canonical.NotCanonicalError):
        canonical.canonical_json(value)
