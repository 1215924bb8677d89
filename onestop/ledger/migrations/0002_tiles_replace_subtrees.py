"""Store the Merkle tree as C2SP tlog-tiles rows (`Tile`) instead of one `Subtree` row per
perfect subtree. Both directions rebuild the hashes from the entries' leaf hashes."""

from django.db import migrations, models

from onestop.ledger import merkle, tiles

CHUNK = 5000


def _leaf_hashes(Entry):
    rows = Entry.objects.order_by("index").values_list("leaf_hash", flat=True)
    for h in rows.iterator(chunk_size=CHUNK):
        yield bytes(h)


def subtrees_to_tiles(apps, schema_editor):
    Entry = apps.get_model("ledger", "Entry")
    Tile = apps.get_model("ledger", "Tile")
    writer = tiles.TileWriter(0, {})
    for h in _leaf_hashes(Entry):
        writer.append(h)
    Tile.objects.bulk_create(
        [Tile(level=lv, index=ix, hashes=hs, inner=inn) for lv, ix, hs, inn in writer.changed()],
        batch_size=500,
    )


def tiles_to_subtrees(apps, schema_editor):
    Entry = apps.get_model("ledger", "Entry")
    Subtree = apps.get_model("ledger", "Subtree")
    frontier, batch = [], []
    for size, h in enumerate(_leaf_hashes(Entry)):
        frontier, completed = merkle.append(frontier, size, h)
        batch.extend(Subtree(level=lv, index=ix, hash=hv) for lv, ix, hv in completed)
        if len(batch) >= CHUNK:
            Subtree.objects.bulk_create(batch)
            batch = []
    Subtree.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Tile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField(verbose_name="level")),
                ("index", models.PositiveBigIntegerField(verbose_name="index")),
                ("hashes", models.BinaryField(max_length=8192, verbose_name="hashes")),
                ("inner", models.BinaryField(max_length=8128, verbose_name="inner subtree hashes")),
            ],
            options={
                "verbose_name": "tile",
                "verbose_name_plural": "tiles",
                "constraints": [models.UniqueConstraint(fields=("level", "index"), name="ledger_tile_level_index")],
            },
        ),
        migrations.RunPython(subtrees_to_tiles, tiles_to_subtrees),
        migrations.DeleteModel(name="Subtree"),
    ]
