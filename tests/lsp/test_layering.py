"""The handler modules depend on the small interface of ``lsp/host.py``, not on the server
module that imports them: no import cycle between ``lsp/server.py`` and its handlers."""

from __future__ import annotations

import ast
from pathlib import Path

import claude_code_tracer.lsp as lsp_package

LSP_DIR = Path(lsp_package.__file__).parent
HANDLER_MODULES = ("editor", "lifecycle", "sessions", "watching", "logs", "progress", "host")


def _imported_lsp_modules(path: Path) -> set[str]:
    """Sibling modules ``path`` imports, type-only imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
    return names


def test_no_handler_module_imports_the_server_module() -> None:
    importers = {
        name
        for name in HANDLER_MODULES
        if "server" in _imported_lsp_modules(LSP_DIR / f"{name}.py")
    }
    assert importers == set()


def test_the_server_module_still_wires_every_handler_module() -> None:
    # the check above would pass vacuously if the server stopped importing its handlers
    assert {"editor", "lifecycle", "sessions", "watching"} <= _imported_lsp_modules(
        LSP_DIR / "server.py"
    )
