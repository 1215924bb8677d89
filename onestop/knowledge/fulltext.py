"""Full-text candidates over SearchDocument.tokens, one implementation per database.

User text never reaches the query syntax: each token is quoted (FTS5) or turned into its own
plainto_tsquery (PostgreSQL), and the tokens are OR-ed.
"""

from __future__ import annotations

import math

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
        params: list[str | int] = [fts5_match(tokens), region, limit]
    elif connection.vendor == "postgresql":
        return _postgres_candidates(tokens, region, limit)
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def _postgres_candidates(tokens: list[str], region: str, limit: int) -> list[tuple[int, float]]:
    """ts_rank_cd knows no inverse document frequency, so a common word (登记, 办理) weighs as
    much as a rare one. Weigh each token's own ts_rank_cd by its BM25 idf in the region: two
    queries, the first counting the documents that hold each token.
    """
    each = ", ".join(["count(*) FILTER (WHERE tsv @@ plainto_tsquery('simple', %s))"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), {each} FROM knowledge_searchdocument WHERE region = %s",  # noqa: S608
            [*tokens, region],
        )
        total, *counts = cursor.fetchone() or (0,)
        present = [(t, n) for t, n in zip(tokens, counts, strict=True) if n]
        if not present:
            return []
        idf = [math.log(1 + (total - n + 0.5) / (n + 0.5)) for _t, n in present]
        score = " + ".join(["%s * ts_rank_cd(tsv, plainto_tsquery('simple', %s))"] * len(present))
        match = " || ".join(["plainto_tsquery('simple', %s)"] * len(present))
        cursor.execute(
            f"SELECT id, ({score}) AS score FROM knowledge_searchdocument "  # noqa: S608
            f"WHERE region = %s AND tsv @@ ({match}) ORDER BY score DESC, id LIMIT %s",
            [
                *[v for (t, _n), w in zip(present, idf, strict=True) for v in (w, t)],
                region,
                *[t for t, _n in present],
                limit,
            ],
        )
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]
