"""The language server: pygls 2 glue between JSON-RPC and the core ``Tracer``.

Handlers are thin: validate the raw params with the pydantic model of ``models.METHOD_PARAMS``,
call one ``Tracer`` method on a worker thread, return ``model.dump()``. Everything that blocks
(DuckDB, file reads) runs on ``TracerServer.executor`` so the event loop stays free to read
``$/cancelRequest`` and to answer other sessions' requests. Nothing here knows SQL.

Server-initiated traffic: ``window/logMessage`` (the ``claude_code_tracer`` logger), the
``sessions/didChange`` notification (a ``watchfiles`` watcher over the projects roots), and
work-done progress while an archive is indexed or a session is parsed.

The modules: ``server`` (``TracerServer``: the tracer's lifetime, worker threads, background
tasks; ``create_server``, ``run_stdio``), ``protocol`` (raw-dict params, malformed requests),
``params`` (strict validation, errors to JSON-RPC), ``lifecycle`` (initialize, settings,
shutdown), ``sessions`` (the custom session methods), ``editor`` and ``render`` (code lenses
and hovers beside the user's code), ``watching`` (``sessions/didChange``), ``progress``
(work-done progress), ``logs`` (to the client and to stderr).
"""

from .editor import DocumentSpans, FileLens, HoverSpan, compute_lens, compute_spans, document_path
from .params import REQUEST_FAILED, describe_validation_error, parse_params, to_rpc_error
from .progress import WorkDone
from .protocol import RawNotification, RawRequest, TracerProtocol
from .render import (
    OPEN_TRACE_COMMAND,
    ago,
    command_uri,
    md_code_block,
    md_text,
    render_hover,
    trace_args,
)
from .server import SERVER_NAME, TracerServer, create_server, run_stdio
from .sessions import SIMPLE_METHODS

__all__ = [
    "OPEN_TRACE_COMMAND",
    "REQUEST_FAILED",
    "SERVER_NAME",
    "SIMPLE_METHODS",
    "DocumentSpans",
    "FileLens",
    "HoverSpan",
    "RawNotification",
    "RawRequest",
    "TracerProtocol",
    "TracerServer",
    "WorkDone",
    "ago",
    "command_uri",
    "compute_lens",
    "compute_spans",
    "create_server",
    "describe_validation_error",
    "document_path",
    "md_code_block",
    "md_text",
    "parse_params",
    "render_hover",
    "run_stdio",
    "to_rpc_error",
    "trace_args",
]
