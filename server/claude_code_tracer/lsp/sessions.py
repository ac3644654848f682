"""The custom session methods (``models.Method``): validate the raw params, call one core
function on a worker thread, dump the result. ``messages/stream`` and ``search/query`` also
send partial results as ``$/progress``; ``sessions/list`` and the first search report work-done
progress while the archive is indexed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future as ConcurrentFuture
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from ..models import (
    MessagesPage,
    MessagesStreamParams,
    Method,
    Model,
    SearchParams,
    SessionRef,
    SessionsListParams,
)
from ..sessionexport import export_session
from ..tracer import ProgressFn, Tracer
from .params import parse_params, path_from_uri, to_rpc_error
from .progress import WorkDone

if TYPE_CHECKING:
    from .host import Host

log = logging.getLogger(__name__)

T = TypeVar("T")

Call = Callable[[Tracer, Any], Model]

SIMPLE_METHODS: dict[str, Call] = {
    Method.MESSAGES_PAGE: lambda tracer, params: tracer.page(params),
    Method.MESSAGES_GET: lambda tracer, params: tracer.get_message(params),
    Method.SESSION_METRICS: lambda tracer, params: tracer.metrics(params),
    Method.SESSION_TOOLS: lambda tracer, params: tracer.tools(params),
    Method.SESSION_SUBAGENTS: lambda tracer, params: tracer.subagents(params),
    Method.SESSION_COST: lambda tracer, params: tracer.cost(params),
    Method.SESSION_CONTEXT: lambda tracer, params: tracer.context(params),
    Method.MESSAGES_FILTERS: lambda tracer, params: tracer.filters(params),
    Method.FILES_SESSIONS: lambda tracer, params: tracer.file_sessions(params),
    Method.FILES_HISTORY: lambda tracer, params: tracer.file_history(params),
    Method.SESSION_EXPORT: lambda tracer, params: export_session(tracer, params),
}


def register(server: Host) -> None:
    """Serve every session method on ``server``."""
    server.feature(Method.SESSIONS_LIST)(sessions_list)
    server.feature(Method.MESSAGES_STREAM)(messages_stream)
    server.feature(Method.SEARCH_QUERY)(search_query)
    for method, call in SIMPLE_METHODS.items():
        _register_simple(server, method, call)


async def _call(
    ls: Host,
    method: str,
    run: Callable[[Tracer, ProgressFn | None], T],
    progress_title: str | None = None,
    work_done_token: Any = None,
) -> T:
    """``run`` on a worker thread, its failure as the JSON-RPC error the client sees; with a
    ``progress_title``, its progress reported as work-done progress (on the client's token, or
    on one the server creates when the client supports that)."""
    work: WorkDone | None = None
    if progress_title is not None:
        if work_done_token is not None:
            work = WorkDone(ls, progress_title, work_done_token, create=False)
        elif ls.client_supports_work_done():
            work = WorkDone(ls, progress_title, token=None, create=True)
    progress: ProgressFn | None = work.callback if work else None
    try:
        return await ls.call(method, lambda tracer: run(tracer, progress))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    finally:
        if work is not None:
            work.finish()


def _register_simple(server: Host, method: str, call: Call) -> None:
    async def handler(ls: Host, raw: Any) -> dict[str, Any]:
        params = parse_params(method, raw)
        if isinstance(getattr(params, "path", None), str):
            params.path = path_from_uri(method, params.path)  # type: ignore[attr-defined]
        return await _call(ls, method, lambda tracer, _: call(tracer, params).dump())

    handler.__name__ = "handle_" + method.replace("/", "_")
    server.feature(method)(handler)


async def sessions_list(ls: Host, raw: Any) -> dict[str, Any]:
    method = Method.SESSIONS_LIST
    params = parse_params(method, raw)
    assert isinstance(params, SessionsListParams)
    if params.workspace:
        params.workspace = path_from_uri(method, params.workspace)
    return await _call(
        ls,
        method,
        lambda tracer, progress: tracer.list_sessions(params, progress).dump(),
        "Indexing Claude Code sessions",
    )


def _next_dumped(pages: Iterator[MessagesPage]) -> dict[str, Any] | None:
    page = next(pages, None)
    return None if page is None else page.dump()


async def messages_stream(ls: Host, raw: Any) -> dict[str, Any]:
    """Batches go out as ``$/progress`` on the partialResultToken; the response is the last one.

    Every message is sent once, in order: a batch is held back until the next one is read, so
    the batch that turns out to be the last carries the cursor fields in the response.
    """
    method = Method.MESSAGES_STREAM
    params = parse_params(method, raw)
    assert isinstance(params, MessagesStreamParams)
    token = params.partial_result_token
    pending: ConcurrentFuture[Any] | None = None
    pages: Iterator[MessagesPage] | None = None
    tracer: Tracer | None = None

    async def step(fn: Callable[..., T], *args: Any) -> T:
        # `pending` tells the cleanup whether a worker thread is still inside the core.
        nonlocal pending
        pending = ls.executor.submit(fn, *args)
        result = await asyncio.wrap_future(pending)
        pending = None
        return result

    try:
        tracer = ls.acquire(method)  # released by the cleanup, once no thread uses the iterator
        if params.work_done_token is not None:
            work = WorkDone(
                ls, f"Reading session {params.session_id}", params.work_done_token, create=False
            )
            ref = SessionRef(session_id=params.session_id, project=params.project)
            try:
                await step(tracer.ensure_loaded, ref, work.callback)
            finally:
                work.finish()
        pages = tracer.stream_pages(params, params.batch_size)
        held: dict[str, Any] | None = None
        collected: list[Any] = []
        while True:
            page = await step(_next_dumped, pages)
            if page is None:
                break
            if held is not None:
                if token is not None:
                    ls.progress(
                        types.ProgressParams(token=token, value={"messages": held["messages"]})
                    )
                else:
                    collected.extend(held["messages"])
            held = page
        if held is None:
            held = MessagesPage(messages=[]).dump()
        if collected:
            held["messages"] = collected + held["messages"]
        return held
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    finally:
        if tracer is not None:
            _cleanup_stream(ls, tracer, pages, pending)


def _cleanup_stream(
    ls: Host,
    tracer: Tracer,
    pages: Iterator[MessagesPage] | None,
    pending: ConcurrentFuture[Any] | None,
) -> None:
    """Close the core's iterator (releasing its resources) once no thread is inside it."""

    def close() -> None:
        try:
            close_fn = getattr(pages, "close", None)
            if close_fn is not None:
                close_fn()
        except Exception:
            log.exception("closing a message stream failed")
        finally:
            ls.release_threadsafe(tracer)

    if pending is not None and not pending.done():
        pending.add_done_callback(lambda _: close())  # runs on the worker thread when it returns
    else:
        try:
            ls.executor.submit(close)
        except RuntimeError:  # executor shut down
            ls.release(tracer)


async def search_query(ls: Host, raw: Any) -> dict[str, Any]:
    """Search every session. With a partialResultToken each session's group of hits goes out
    as ``$/progress`` and the response keeps only the paging fields; a first build of the
    index reports work-done progress."""
    method = Method.SEARCH_QUERY
    params = parse_params(method, raw)
    assert isinstance(params, SearchParams)
    if params.workspace:
        params.workspace = path_from_uri(method, params.workspace)
    page = await _call(
        ls,
        method,
        lambda tracer, progress: tracer.search(params, progress).dump(),
        "Indexing Claude Code messages",
        params.work_done_token,
    )
    token = params.partial_result_token
    if token is not None:
        for group in page["groups"]:
            ls.progress(types.ProgressParams(token=token, value={"groups": [group]}))
            await asyncio.sleep(0)
        page["groups"] = []
    return page
