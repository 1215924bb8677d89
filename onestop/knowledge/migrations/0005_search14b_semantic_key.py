"""SearchDocument.semantic_key: what a document's embedding was computed from (issue #14).

Existing documents get an empty key, so the next index rebuild re-encodes every one of them
with the current scheme (an item's names plus its guide; services.EMBEDDING_SCHEME); the
knowledge app enqueues that rebuild after `migrate` (apps.py).

On SQLite, adding a NOT NULL column remakes knowledge_searchdocument and its full-text triggers
go with the old table (migration 0002's note): they are created again here and the FTS table
rebuilt from the new one.
"""

import importlib

from django.db import migrations, models

FULLTEXT = importlib.import_module("onestop.knowledge.migrations.0002_fulltext_index")
TRIGGERS = [sql for sql in FULLTEXT.SQLITE_FORWARD if "CREATE VIRTUAL TABLE" not in sql]
DROP_TRIGGERS = [sql for sql in FULLTEXT.SQLITE_BACKWARD if "DROP TRIGGER" in sql]


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0004_search14_signature_index"),
    ]

    operations = [
        # Undoing the column remakes the table again: the triggers are made again after it.
        migrations.RunPython(
            migrations.RunPython.noop, _sqlite(DROP_TRIGGERS + TRIGGERS), elidable=False
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="semantic_key",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="embedding source key"
            ),
        ),
        migrations.RunPython(
            _sqlite(DROP_TRIGGERS + TRIGGERS), migrations.RunPython.noop, elidable=False
        ),
    ]
