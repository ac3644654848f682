"""Seeded generator of realistic synthetic Claude Code transcripts (2.1.x on-disk layout).

Tests and benchmarks need transcripts that look like the real thing (see FORMAT.md beside the
samples) but can be produced at any size, are byte-identical for a given seed, and contain the
awkward cases a reader must survive: split assistant responses with repeated usage, progress
noise, compaction, subagent files, huge tool outputs, hostile HTML/ANSI/U+2028 text, and damaged
lines.  Everything here is deliberately independent of ``claude_code_tracer`` so that it can be
used to test it; and it lives beside the tests, not in the shipped package.

Determinism: every random choice comes from a ``random.Random`` seeded by the caller; nothing reads
the clock, the environment or iterates a ``set`` of strings.  Text is cut out of a fixed corpus
built once from its own constant seed, which keeps generation fast (100K lines in seconds).

Modules: ``text`` (word lists and the fixed corpus), ``common`` (ids, times, project folders),
``tools`` (tool inputs and results), ``conversation`` (the line-by-line writer with its exact
line budget), ``sessions`` (one session, appends), ``archives`` (a projects tree), ``cli``.
"""

from .archives import generate_archive
from .cli import main
from .common import MESSAGE_TYPES, encode_cwd
from .sessions import GeneratedSession, append_lines, generate_session

__all__ = [
    "MESSAGE_TYPES",
    "GeneratedSession",
    "append_lines",
    "encode_cwd",
    "generate_archive",
    "generate_session",
    "main",
]
