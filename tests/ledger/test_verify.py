"""`onestop ledger_verify` recomputes the log and names the first row that does not match."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from onestop.ledger import merkle, services
from onestop.ledger.models import Entry, Tile

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    services.entries_append_batch(items=[("test.record", {"i": i}) for i in range(21)])
    services.checkpoint_publish()


def _raw(sql, params):
    """Tamper with the entry table behind the services' back."""
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("TABLE", Entry._meta.db_table), params)


def test_intact_log_verifies(log, capsys):
    call_command("ledger_verify")
    out = capsys.readouterr().out
    assert out.startswith("ledger ok: 21 entries, 1 tiles, 1 checkpoints, root ")


def test_empty_log_verifies(capsys):
    call_command("ledger_verify")
    assert "ledger ok: 0 entries" in capsys.readouterr().out


def test_altered_payload_is_named(log):
    _raw('UPDATE TABLE SET payload = %s WHERE "index" = %s', ['{"i": 999}', 13])
    with pytest.raises(CommandError, match=r"entry 13: leaf hash does not match its data"):
        call_command("ledger_verify")


def test_first_of_two_altered_rows_is_named(log):
    _raw('UPDATE TABLE SET kind = %s WHERE "index" IN (%s, %s)', ["test.other", 17, 4])
    with pytest.raises(CommandError, match=r"entry 4: "):
        call_command("ledger_verify")


def test_altered_leaf_hash_and_payload_together_is_caught_by_the_tiles(log):
    from onestop.ledger.canonical import leaf_data

    forged = merkle.leaf_hash(leaf_data("test.record", {"i": 999}))
    _raw(
        'UPDATE TABLE SET payload = %s, leaf_hash = %s WHERE "index" = %s',
        ['{"i": 999}', forged, 6],
    )
    with pytest.raises(CommandError, match=r"tile 0/0 \(from entry 0\) does not match"):
        call_command("ledger_verify")


def test_deleted_tile_is_found(log):
    Tile.objects.filter(level=0, index=0).delete()
    with pytest.raises(CommandError, match=r"tile 0/0 \(from entry 0\) does not match"):
        call_command("ledger_verify")


def test_altered_inner_hash_is_found():
    services.entries_append_batch(items=[("test.record", {"i": i}) for i in range(300)])
    tile = Tile.objects.get(level=0, index=0)
    inner = bytearray(tile.inner)
    inner[40] ^= 1
    Tile.objects.filter(pk=tile.pk).update(inner=bytes(inner))
    with pytest.raises(CommandError, match=r"tile 0/0 \(from entry 0\) does not match"):
        call_command("ledger_verify")


def test_extra_tile_is_found(log):
    Tile.objects.create(level=1, index=0, hashes=bytes(32), inner=bytes(8128))
    with pytest.raises(CommandError, match="tiles beyond the size of the log"):
        call_command("ledger_verify")
