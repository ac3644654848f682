"""The benchmark harness of claude-code-tracer: one module per measured side, run by ../run.py."""
