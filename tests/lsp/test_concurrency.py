"""Many requests at once: every one is answered, and correctly (the same as when asked alone)."""

from __future__ import annotations

import asyncio
from typing import Any

from .lsp_support import BIG_SESSION, SMALL_SESSION, TracerClient

OTHER = "4d5611e5-241a-462a-8d15-5122611a9569"
DEMO = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"


def twenty_requests() -> list[tuple[str, dict[str, Any]]]:
    requests: list[tuple[str, dict[str, Any]]] = []
    for session in (BIG_SESSION, OTHER, SMALL_SESSION, DEMO):
        requests += [
            ("messages/page", {"sessionId": session, "limit": 30}),
            ("messages/page", {"sessionId": session, "filter": {"kinds": ["assistant"]}}),
            ("session/metrics", {"sessionId": session}),
            ("messages/stream", {"sessionId": session, "limit": 60, "batchSize": 7}),
        ]
    requests += [
        ("sessions/list", {}),
        ("sessions/list", {"limit": 2}),
        ("session/tools", {"sessionId": BIG_SESSION}),
        ("messages/filters", {"sessionId": OTHER}),
    ]
    assert len(requests) == 20
    return requests


async def test_twenty_concurrent_requests_on_a_cold_server(client: TracerClient) -> None:
    requests = twenty_requests()
    # Cold: several requests race to load the same sessions and to index the archive.
    together = await asyncio.gather(*(client.request(m, p) for m, p in requests))
    one_by_one = [await client.request(m, p) for m, p in requests]
    assert together == one_by_one
    assert together[0]["messages"] and together[16]["sessions"]

    # And again, warm, interleaved with a few that fail: errors do not disturb the others.
    bad = [("messages/page", {"sessionId": "nope"}), ("messages/page", {"limit": -1})]
    mixed = requests + bad * 2
    answers = await asyncio.gather(
        *(client.request(m, p) for m, p in mixed), return_exceptions=True
    )
    assert answers[:20] == one_by_one
    assert all(getattr(a, "code", None) == -32602 for a in answers[20:])
