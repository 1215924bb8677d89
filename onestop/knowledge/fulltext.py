"""Full-text candidates over SearchDocument.tokens, one implementation per database.

User text never reaches the query syntax: each token is quoted (FTS5) or turned into its own
plainto_tsquery (PostgreSQL), and the tokens are OR-ed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.db import connection

MAX_TOKENS = 32


def fts5_match(tokens: list[str]) -> str:
    """An FTS5 MATCH expression: every token a quoted string, OR-ed."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens[:MAX_TOKENS])


def _kind_filter(kinds: Sequence[str] | None, column: str) -> tuple[str, list[str]]:
    """An SQL condition restricting the kind of document (none when every kind is wanted)."""
    if not kinds:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(kinds))})", list(kinds)


def candidates(
    *, tokens: list[str], region: str, limit: int = 50, kinds: Sequence[str] | None = None
) -> list[tuple[int, float]]:
    """(document id, score) best first; a higher score is better on every database.

    `kinds` restricts the documents to some kinds (item, scenario, article); None means all.
    """
    tokens = [t for t in dict.fromkeys(tokens) if t][:MAX_TOKENS]
    if not tokens:
        return []
    if connection.vendor == "sqlite":
        kind_sql, kind_params = _kind_filter(kinds, "d.kind")
        sql = (
            "SELECT d.id, -bm25(knowledge_searchdocument_fts) AS score "  # noqa: S608 - placeholders only
            "FROM knowledge_searchdocument_fts "
            "JOIN knowledge_searchdocument d ON d.id = knowledge_searchdocument_fts.rowid "
            f"WHERE knowledge_searchdocument_fts MATCH %s AND d.region = %s{kind_sql} "
            "ORDER BY bm25(knowledge_searchdocument_fts) LIMIT %s"
        )
        params: list[str | int] = [fts5_match(tokens), region, *kind_params, limit]
    elif connection.vendor == "postgresql":
        return _postgres_candidates(tokens, region, limit, kinds)
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def _postgres_candidates(
    tokens: list[str], region: str, limit: int, kinds: Sequence[str] | None = None
) -> list[tuple[int, float]]:
    """ts_rank_cd knows no inverse document frequency, so a common word (登记, 办理) weighs as
    much as a rare one. Weigh each token's own ts_rank_cd by its BM25 idf in the region: two
    queries, the first counting the documents that hold each token.
    """
    kind_sql, kind_params = _kind_filter(kinds, "kind")
    each = ", ".join(["count(*) FILTER (WHERE tsv @@ plainto_tsquery('simple', %s))"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), {each} FROM knowledge_searchdocument "  # noqa: S608
            f"WHERE region = %s{kind_sql}",
            [*tokens, region, *kind_params],
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
            f"WHERE region = %s{kind_sql} AND tsv @@ ({match}) ORDER BY score DESC, id LIMIT %s",
            [
                *[v for (t, _n), w in zip(present, idf, strict=True) for v in (w, t)],
                region,
                *kind_params,
                *[t for t, _n in present],
                limit,
            ],
        )
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]
