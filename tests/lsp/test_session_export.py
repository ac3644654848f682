"""session/export over stdio: the core's export on the wire, bad params are -32602."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from claude_code_tracer.models import SessionExportParams
from claude_code_tracer.sessionexport import export_session
from claude_code_tracer.tracer import Tracer, TracerOptions

from ..core.test_session_export import assert_inert, assert_same_text, parse
from .lsp_support import BIG_PROJECT, BIG_SESSION, SMALL_SESSION, TracerClient

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def oracle(shared_projects: Path) -> Iterator[Tracer]:
    tracer = Tracer(
        TracerOptions(
            projects_roots=[shared_projects],
            cache_dir=shared_projects.parent / "export-oracle",
            persistent_catalog=False,
        )
    )
    yield tracer
    tracer.close()


async def test_export_serves_the_cores_markdown_and_script_free_html(
    shared_client: TracerClient, oracle: Tracer
) -> None:
    ref = {"sessionId": BIG_SESSION, "project": BIG_PROJECT}
    md = await shared_client.request("session/export", {**ref, "format": "md"})
    ht = await shared_client.request("session/export", {**ref, "format": "html"})
    expected = export_session(oracle, SessionExportParams.model_validate({**ref, "format": "md"}))
    assert md == expected.dump()
    assert md["redactions"] == {} and ht["redactions"] == {}
    page = parse(ht["content"])
    assert_inert(page)
    assert_same_text(page, md["content"])


async def test_export_with_redact_reports_the_same_counts_as_the_core(
    shared_client: TracerClient, oracle: Tracer
) -> None:
    params: dict[str, Any] = {"sessionId": SMALL_SESSION, "format": "html", "redact": True}
    result = await shared_client.request("session/export", params)
    expected = export_session(oracle, SessionExportParams.model_validate(params))
    assert result == expected.dump()
    assert result["content"].startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "params",
    [
        {"sessionId": BIG_SESSION, "format": "pdf"},
        {"sessionId": "../../etc/passwd", "format": "md"},
        {"sessionId": BIG_SESSION, "redact": "yes please"},
        {"format": "md"},
    ],
)
async def test_bad_export_params_are_the_clients_fault_and_the_server_keeps_serving(
    shared_client: TracerClient, params: dict[str, Any]
) -> None:
    with pytest.raises(JsonRpcException) as caught:
        await shared_client.request("session/export", params)
    assert caught.value.code == -32602
    still = await shared_client.request("session/export", {"sessionId": SMALL_SESSION})
    # titled by the session, its id in the facts below the title
    content = still["content"]
    assert content.startswith("# ") and f"\n- Session: {SMALL_SESSION}\n" in content
