"""``python -m tests.synthetic`` (from the repository root)."""

from .cli import main

raise SystemExit(main())
