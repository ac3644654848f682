"""The read-only SQL face's default bounds, apart from ``sqlquery`` so that the CLI can print
them in ``--help`` without importing DuckDB (the CLI imports nothing heavy to start)."""

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_LIMIT = "1GB"
