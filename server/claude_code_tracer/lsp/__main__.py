"""``python -m claude_code_tracer.lsp``: the language server on stdin/stdout."""

from . import run_stdio

run_stdio()
