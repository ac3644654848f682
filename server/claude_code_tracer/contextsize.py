"""The context size of each API call of a session's main conversation (the webview's chart).

A server method rather than paging assistant rows in the webview: a 100K-message session has tens
of thousands of responses, and the webview needs only one small tuple per response."""

from __future__ import annotations

from bisect import bisect_left

import duckdb

from .models import ContextCompaction, ContextPoint, Kind, SessionContext
from .store import SessionView


def session_context(cur: duckdb.DuckDBPyConnection, sess: SessionView) -> SessionContext:
    """One point per response (``message.id``; a line without one is its own response), in file
    order. A response is written as several lines, each repeating its usage; the line with the
    most tokens counts, as in ``session/cost``. Subagent rows are left out: their context is
    not the conversation's. Synthetic responses (no API call) are left out too."""
    t = sess.tables
    points = cur.execute(
        "SELECT arg_min(uuid, seq), arg_min(ts, seq) FILTER (WHERE NOT ts_guessed),"
        " arg_max(ctx, tot), arg_max(model, tot), min(seq) FROM ("
        " SELECT *, coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)"
        " + coalesce(cache_creation_tokens, 0) AS ctx,"
        " coalesce(input_tokens, 0) + coalesce(output_tokens, 0)"
        " + coalesce(cache_read_tokens, 0) + coalesce(cache_creation_tokens, 0) AS tot"
        f" FROM {t[Kind.ASSISTANT]}"
        " WHERE NOT is_sidechain AND file_id = 0 AND coalesce(model, '') <> '<synthetic>'"
        " AND uuid IS NOT NULL)"
        " GROUP BY coalesce(message_id, uuid) ORDER BY min(seq)"
    ).fetchall()
    compactions = cur.execute(
        "SELECT uuid, CASE WHEN ts_guessed THEN NULL ELSE ts END, seq"
        f" FROM {t[Kind.SYSTEM]}"
        " WHERE subtype = 'compact_boundary' AND NOT is_sidechain AND file_id = 0"
        " AND uuid IS NOT NULL ORDER BY seq"
    ).fetchall()
    starts = [p[4] for p in points]
    return SessionContext(
        session_id=sess.files.session_id,
        points=[
            ContextPoint(uuid=u, timestamp=ts, context_tokens=int(ctx or 0), model=model)
            for u, ts, ctx, model, _ in points
        ],
        compactions=[
            ContextCompaction(uuid=u, timestamp=ts, points_before=bisect_left(starts, seq))
            for u, ts, seq in compactions
        ],
    )
