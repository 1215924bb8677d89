"""Full-text candidates over SearchDocument.tokens, one implementation per database.

User text never reaches the query syntax: each token is quoted (FTS5) or turned into its own
plainto_tsquery (PostgreSQL), and the tokens are OR-ed.
"""

from __future__ import annotations

from django.db import connection

MAX_TOKENS = 32


def fts5_match(tokens: list[str]) -> str:
    """An FTS5 MATCH expression: every token a quoted string, OR-ed."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens[:MAX_TOKENS])


def candidates(*, tokens: list[str], region: str, limit: int = 50) -> list[tuple[int, float]]:
    """(document id, score) best first; a higher score is better on every database."""
    tokens = [t for t in dict.fromkeys(tokens) if t][:MAX_TOKENS]
    if not tokens:
        return []
    if connection.vendor == "sqlite":
        sql = (
            "SELECT d.id, -bm25(knowledge_searchdocument_fts) AS score "
            "FROM knowledge_searchdocument_fts "
            "JOIN knowledge_searchdocument d ON d.id = knowledge_searchdocument_fts.rowid "
            "WHERE knowledge_searchdocument_fts MATCH %s AND d.region = %s "
            "ORDER BY bm25(knowledge_searchdocument_fts) LIMIT %s"
        )
        params: list[object] = [fts5_match(tokens), region, limit]
    elif connection.vendor == "postgresql":
        query = " || ".join(["plainto_tsquery('simple', %s)"] * len(tokens))
        sql = (
            "SELECT id, ts_rank_cd(tsv, query.tsq) AS score "
            f"FROM knowledge_searchdocument, (SELECT {query}) AS query(tsq) "  # noqa: S608
            "WHERE region = %s AND tsv @@ query.tsq ORDER BY score DESC, id LIMIT %s"
        )
        params = [*tokens, region, limit]
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]
