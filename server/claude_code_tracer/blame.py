"""Blame for agents: which tool call wrote each line of a file as it stands now.

The spans come from ``Tracer.written_spans`` (the hover's answer: a write's text located in the
current text, newest write first); this module only resolves overlaps the way the hover does
(the newest write covering a line wins) and groups consecutive lines with the same winner into
runs. Line numbers here are 1-based, as an agent quotes them; spans are 0-based like LSP's.
"""

from __future__ import annotations

import os

from .errors import InvalidRequest
from .models import BlameRun, WrittenSpan
from .safefs import inside, open_regular

# A file bigger than this is not blamed (its text is read whole to locate the writes).
MAX_BLAME_BYTES = 16 * 1024 * 1024


def resolve_path(path: str, workspace: str | None) -> str:
    """The absolute, normalised path to blame; a path that leaves the workspace is refused."""
    if "\x00" in path or (workspace is not None and "\x00" in workspace):
        raise InvalidRequest("a path cannot contain a NUL character")
    if workspace is not None and not os.path.isabs(workspace):
        raise InvalidRequest(f"the workspace must be an absolute folder: {workspace[:200]!r}")
    if not os.path.isabs(path):
        if workspace is None:
            raise InvalidRequest(
                f"{path[:200]!r} is relative: give an absolute path or a workspace"
            )
        path = os.path.join(workspace, path)
    path = os.path.normpath(path)
    if workspace is not None and not inside(workspace, path):
        raise InvalidRequest(f"{path[:200]!r} is outside the workspace {workspace[:200]!r}")
    return path


def read_text(path: str) -> str:
    """The file's current text (UTF-8, undecodable bytes replaced), bounded."""
    try:
        with open_regular(path) as fh:
            data = fh.read(MAX_BLAME_BYTES + 1)
    except FileNotFoundError:
        raise InvalidRequest(f"no file {path[:200]!r}") from None
    except IsADirectoryError:
        raise InvalidRequest(f"{path[:200]!r} is a folder, not a file") from None
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path[:200]!r}: {exc.strerror or exc}") from None
    if len(data) > MAX_BLAME_BYTES:
        raise InvalidRequest(
            f"{path[:200]!r} is over {MAX_BLAME_BYTES // (1024 * 1024)} MB: too big to blame"
        )
    return data.decode("utf-8", errors="replace")


def line_count(text: str) -> int:
    """Lines as an editor numbers them (a final newline does not start another line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def runs(spans: list[WrittenSpan], first: int, last: int) -> list[BlameRun]:
    """Runs of lines [first, last] (1-based) by the newest span covering each line.

    ``spans`` is newest first (as ``written_spans`` returns them); painting oldest to newest
    lets the newest win, in time proportional to the lines painted."""
    owner: dict[int, int] = {}
    for i in range(len(spans) - 1, -1, -1):
        span = spans[i]
        lo = max(first, span.start_line + 1)
        hi = min(last, span.end_line + 1)
        for line in range(lo, hi + 1):
            owner[line] = i
    out: list[BlameRun] = []
    for line in sorted(owner):
        i = owner[line]
        prev = out[-1] if out else None
        if prev is not None and prev.end_line == line - 1 and owner[prev.end_line] == i:
            prev.end_line = line
        else:
            out.append(BlameRun(start_line=line, end_line=line, touch=spans[i].touch))
    return out
