"""Windows of a session in page order, in both directions: what an agent reads around a search
hit (``around`` a message: some before it, some from it on) and the pages before a window.

A forward cursor is the one ``messages/page`` makes (rows strictly after a key); a backward
cursor is the same keyset cursor under a scope of its own, marked by a leading ``~`` (not a
base64url character), holding the key that the rows it stands for come strictly before. Both are
served from the view's in-memory page order (``pageorder.Order``): a window at any depth is two
bisects and a slice.
"""

from __future__ import annotations

from . import cursor as cursors
from .cursor import PageKey
from .pageorder import Order

BACKWARD = "~"


def backward_scope(scope: str) -> str:
    return scope + "<"


def encode_backward(scope: str, fp: str, before: PageKey) -> str:
    """A cursor for the rows strictly before ``before`` (its uuid unused, as in page keys)."""
    return BACKWARD + cursors.encode(backward_scope(scope), fp, before)


def decode(token: str, scope: str, fp: str) -> tuple[bool, PageKey]:
    """(backward, key) of a window cursor; InvalidCursor when it is not one of this session's."""
    if token.startswith(BACKWARD):
        return True, cursors.decode(token[1:], backward_scope(scope), fp)
    return False, cursors.decode(token, scope, fp)


def through(key: PageKey) -> PageKey:
    """The key whose rows-before are the rows up to and including ``key``'s row."""
    return PageKey(ts=key.ts, uuid="", seq=key.seq + 1)


def position(order: Order, ts_key: PageKey) -> int:
    """The position in ``order`` of the first row at or after ``ts_key`` (a row's own key)."""
    return order.start(PageKey(ts=ts_key.ts, uuid="", seq=ts_key.seq - 1))


def before(order: Order, key: PageKey, limit: int) -> tuple[list[int], bool]:
    """The last ``limit`` seqs strictly before ``key``, and whether more precede them."""
    end = position(order, key)
    start = max(0, end - limit)
    return order.seqs[start:end].tolist(), start > 0


def around(
    order: Order, anchor: PageKey, before_n: int, limit: int
) -> tuple[list[int], bool, bool]:
    """``before_n`` seqs before the anchor row's place and ``limit`` from it on; whether rows
    precede and follow the window."""
    at = position(order, anchor)
    start = max(0, at - before_n)
    end = min(len(order), at + limit)
    return order.seqs[start:end].tolist(), start > 0, end < len(order)


def contains(order: Order, anchor: PageKey) -> bool:
    at = position(order, anchor)
    return at < len(order) and order.seqs[at] == anchor.seq
