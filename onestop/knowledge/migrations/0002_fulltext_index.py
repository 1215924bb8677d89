"""Full-text index over SearchDocument.tokens, one branch per database.

SQLite: an FTS5 table with external content, kept in sync by triggers, ranked with bm25().
PostgreSQL: a generated tsvector column ('simple' config, the words are already split by
jieba) with a GIN index, ranked with ts_rank_cd().
Other databases get no full-text index; the search service falls back to embeddings only.

Note: if a later migration makes SQLite remake knowledge_searchdocument (ALTER of a column),
the triggers go with the old table; re-run this migration's SQLite statements after it.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE knowledge_searchdocument_fts USING fts5("
    "tokens, content='knowledge_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER knowledge_searchdocument_fts_ai AFTER INSERT ON knowledge_searchdocument "
    "BEGIN INSERT INTO knowledge_searchdocument_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER knowledge_searchdocument_fts_ad AFTER DELETE ON knowledge_searchdocument "
    "BEGIN INSERT INTO knowledge_searchdocument_fts(knowledge_searchdocument_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER knowledge_searchdocument_fts_au AFTER UPDATE ON knowledge_searchdocument "
    "BEGIN INSERT INTO knowledge_searchdocument_fts(knowledge_searchdocument_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO knowledge_searchdocument_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO knowledge_searchdocument_fts(knowledge_searchdocument_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_fts_ai",
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_fts_ad",
    "DROP TRIGGER IF EXISTS knowledge_searchdocument_fts_au",
    "DROP TABLE IF EXISTS knowledge_searchdocument_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE knowledge_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX knowledge_searchdocument_tsv ON knowledge_searchdocument USING GIN (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_searchdocument_tsv",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_search_document")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
            elidable=False,
        ),
    ]
