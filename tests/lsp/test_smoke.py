from __future__ import annotations

from .lsp_support import TracerClient


async def test_list(client: TracerClient) -> None:
    result = await client.request("sessions/list", {})
    print(result)
    assert result["sessions"]
