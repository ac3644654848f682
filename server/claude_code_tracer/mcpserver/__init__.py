"""The MCP face (``claude-code-tracer mcp``): the tracer's answers as tools for agents.

Named ``mcpserver`` so it never shadows the SDK's ``mcp`` package."""

from .server import McpOptions, TracerMcp, run_stdio

__all__ = ["McpOptions", "TracerMcp", "run_stdio"]
