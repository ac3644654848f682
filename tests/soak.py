"""Soak test: live sessions written like Claude Code writes them, read by clients as they grow.

    PYTHONPATH=server python -m tests.soak --seconds 60

A writer thread appends to several sessions at once: one JSON line per event, sometimes in two
writes (so a reader can see a line without its newline), user / assistant / tool_result in turn,
timestamps increasing. With ``--unterminated P`` a share P of the records is written whole but
without its newline, as files copied by other tools end (FORMAT.md §11): the next write brings the
newline first, or (one time in three) none at all, so the next record is joined to it on one line;
a session may end on such a record, which must be served too. Meanwhile two real server
processes are read as the extension reads them:

- a pager follows every session with ``messages/page`` and the cursor of its last page (the
  cursor goes on after the last row seen, even once the session grows);
- a streamer follows every session with ``messages/stream`` (batches as ``$/progress``);
- both also ask ``sessions/list`` now and then.

When the writer stops, both clients read to the end. Every client must have seen every written
line exactly once, in order, and the list must count them all. Errors answered along the way are
counted and reported (a client then retries from its last cursor). Bounded: it stops by itself
after ``--seconds`` of writing plus the final reads, and sends traffic only to its own child
processes over pipes. Exit code 0 when every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.lsp.raw_server import RawServer, request

PROJECT = "-soak-proj"


@dataclass
class Written:
    """What the writer has finished writing, per session (whole records only)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    uuids: dict[str, list[str]] = field(default_factory=dict)


def session_ids(n: int) -> list[str]:
    return [f"5{i:07d}-0000-4000-8000-000000000000" for i in range(n)]


def line_for(sid: str, n: int, start: datetime) -> dict[str, Any]:
    uuid = f"{sid[:8]}-{n:06d}"
    ts = (start + timedelta(milliseconds=10 * n)).isoformat().replace("+00:00", "Z")
    base: dict[str, Any] = {
        "uuid": uuid,
        "parentUuid": f"{sid[:8]}-{n - 1:06d}" if n else None,
        "sessionId": sid,
        "timestamp": ts,
        "cwd": "/work/soak",
        "isSidechain": False,
        "version": "2.1.0",
    }
    kind = n % 3
    if kind == 0:
        base.update(type="user", message={"role": "user", "content": f"prompt {n} " * 5})
    elif kind == 1:
        base.update(
            type="assistant",
            message={
                "id": f"msg_{sid[:8]}_{n}",
                "role": "assistant",
                "model": "claude-soak",
                "content": [
                    {"type": "text", "text": f"answer {n}"},
                    {"type": "tool_use", "id": f"toolu_{n}", "name": "Read", "input": {}},
                ],
                "usage": {"input_tokens": 3, "output_tokens": n},
            },
        )
    else:
        base.update(
            type="user",
            message={
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": f"toolu_{n - 1}", "content": "x" * 200}
                ],
            },
        )
    return base


def writer(
    root: Path,
    sids: list[str],
    written: Written,
    stop_at: float,
    rate: float,
    seed: int,
    unterminated: float = 0.0,
) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    counts = dict.fromkeys(sids, 0)
    handles = {sid: (root / PROJECT / f"{sid}.jsonl").open("ab") for sid in sids}
    # sessions whose last record was written without its newline
    open_line = dict.fromkeys(sids, False)
    try:
        while time.monotonic() < stop_at:
            sid = rng.choice(sids)
            n = counts[sid]
            data = (json.dumps(line_for(sid, n, start)) + "\n").encode()
            fh = handles[sid]
            if open_line[sid]:
                open_line[sid] = False
                if rng.random() < 2 / 3:
                    data = b"\n" + data  # the newline comes late, else the next is joined
            if rng.random() < unterminated:
                data = data[:-1]  # a whole record without its newline
                open_line[sid] = True
            if rng.random() < 0.3:  # a torn write: the line shows without its end for a moment
                cut = rng.randrange(1, len(data))
                fh.write(data[:cut])
                fh.flush()
                time.sleep(0.002)
                fh.write(data[cut:])
            else:
                fh.write(data)
            fh.flush()
            counts[sid] = n + 1
            with written.lock:
                written.uuids[sid].append(f"{sid[:8]}-{n:06d}")
            time.sleep(rng.expovariate(rate))
    finally:
        for fh in handles.values():
            fh.close()


@dataclass
class Client:
    name: str
    server: RawServer
    seen: dict[str, list[str]]
    cursors: dict[str, str | None]
    errors: Counter[str] = field(default_factory=Counter)
    # whole sessions read again from the start while they grow: (session, uuids seen)
    rereads: list[tuple[str, list[str]]] = field(default_factory=list)
    racing: bool = False
    requests: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def call(
        self, method: str, params: dict[str, Any], beside: dict[str, Any] | None = None
    ) -> tuple[Any, list[Any]]:
        """(result or None, $/progress values for this request's token). ``beside``: the params
        of a ``messages/page`` sent right behind it on the same connection, so that the server
        refreshes the session while it streams it (its answer is only checked for errors)."""
        msg_id = next(self.ids)
        self.requests += 1
        self.server.messages.clear()
        self.server.send(request(msg_id, method, params))
        other = None
        if beside is not None:
            other = next(self.ids)
            self.requests += 1
            self.server.send(request(other, "messages/page", beside))
        answer = self.server.wait_for(msg_id, bound=60.0)
        if other is not None:
            side = next((m for m in self.server.messages if m.get("id") == other), None)
            if side is None:
                side = self.server.wait_for(other, bound=60.0)
            if "error" in side:
                err = side["error"]
                self.errors[f"messages/page {err['code']}: {err['message'][:120]}"] += 1
        token = params.get("partialResultToken")
        partials = [
            m["params"]["value"]
            for m in self.server.messages
            if m.get("method") == "$/progress" and m["params"].get("token") == token
        ]
        if "error" in answer:
            err = answer["error"]
            self.errors[f"{method} {err['code']}: {err['message'][:120]}"] += 1
            return None, []
        return answer["result"], partials

    def reread(self, sid: str) -> None:
        """Stream the whole session from its start, as the webview does when it opens a live
        session: a long stream racing the writer."""
        cursors = dict.fromkeys(self.cursors)
        seen: dict[str, list[str]] = {sid: []}
        own, own_cursors = self.seen, self.cursors
        self.seen, self.cursors = seen, cursors
        self.racing = True
        try:
            before = sum(self.errors.values())
            self.follow(sid, stream=True)
            if sum(self.errors.values()) == before:
                self.rereads.append((sid, seen[sid]))
        finally:
            self.seen, self.cursors = own, own_cursors
            self.racing = False

    def follow(self, sid: str, stream: bool) -> None:
        """Read the session from the last cursor to its current end."""
        ref = {"sessionId": sid, "project": PROJECT}
        while True:
            cursor = self.cursors[sid]
            if stream:
                token = f"{self.name}-{next(self.ids)}"
                params = {
                    **ref,
                    "cursor": cursor,
                    "limit": 500,
                    "batchSize": 7,
                    "partialResultToken": token,
                }
                beside = {**ref, "limit": 1} if self.racing else None
                result, partials = self.call("messages/stream", params, beside)
                if result is None:
                    return
                batch = [m for p in partials for m in p["messages"]] + result["messages"]
            else:
                result, _ = self.call("messages/page", {**ref, "cursor": cursor, "limit": 50})
                if result is None:
                    return
                batch = result["messages"]
            self.seen[sid].extend(m["uuid"] for m in batch)
            if result.get("nextCursor"):
                self.cursors[sid] = result["nextCursor"]
            if not result["hasMore"]:
                return


def client_loop(
    client: Client, sids: list[str], stream: bool, stop_at: float, rereads: bool
) -> None:
    rng = random.Random(client.name)
    while time.monotonic() < stop_at:
        if rng.random() < 0.1:
            client.call("sessions/list", {"limit": 20})
        if stream and rereads and rng.random() < 0.2:
            client.reread(rng.choice(sids))
        else:
            client.follow(rng.choice(sids), stream)


def check(clients: list[Client], written: Written) -> list[str]:
    problems: list[str] = []
    for client in clients:
        for sid, expected in written.uuids.items():
            got = client.seen[sid]
            if got != expected:
                dup = [u for u, c in Counter(got).items() if c > 1]
                missing = sorted(set(expected) - set(got))
                problems.append(
                    f"{client.name} {sid[:8]}: saw {len(got)} of {len(expected)} lines, "
                    f"{len(dup)} twice, {len(missing)} missing"
                    + ("" if got == sorted(got) else ", out of order")
                )
        for sid, got in client.rereads:
            expected = written.uuids[sid]
            if got != expected[: len(got)]:
                problems.append(
                    f"{client.name} {sid[:8]}: a stream from the start saw {len(got)} lines that "
                    "are not the first lines written"
                )
    return problems


def run(
    seconds: float,
    sessions: int,
    rate: float,
    seed: int,
    rereads: bool = True,
    unterminated: float = 0.0,
) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="cct-soak-"))
    root = workdir / "projects"
    (root / PROJECT).mkdir(parents=True)
    sids = session_ids(sessions)
    written = Written(uuids={sid: [] for sid in sids})
    for sid in sids:
        (root / PROJECT / f"{sid}.jsonl").touch()
    servers = [RawServer(), RawServer()]
    clients: list[Client] = []
    try:
        for i, srv in enumerate(servers):
            srv.initialize(root, workdir / f"cache-{i}")
            clients.append(
                Client(
                    name=("pager", "streamer")[i],
                    server=srv,
                    seen={sid: [] for sid in sids},
                    cursors=dict.fromkeys(sids),
                )
            )
        stop_at = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=writer,
                args=(root, sids, written, stop_at, rate, seed, unterminated),
            ),
            *(
                threading.Thread(target=client_loop, args=(c, sids, i == 1, stop_at, rereads))
                for i, c in enumerate(clients)
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, client in enumerate(clients):  # read to the end of every session
            for sid in sids:
                for _ in range(3):  # an error answered mid-way is retried from the cursor
                    before = sum(client.errors.values())
                    client.follow(sid, stream=i == 1)
                    if sum(client.errors.values()) == before:
                        break
        listed = clients[0].call("sessions/list", {"limit": 100})[0]
        problems = check(clients, written)
        counts = {s["sessionId"]: s["messageCount"] for s in (listed or {}).get("sessions", [])}
        for sid, uuids in written.uuids.items():
            if counts.get(sid) != len(uuids):
                problems.append(
                    f"sessions/list counts {counts.get(sid)} for {sid[:8]}, {len(uuids)} written"
                )
    finally:
        exits = [srv.close() for srv in servers]
        shutil.rmtree(workdir, ignore_errors=True)
    total = sum(len(u) for u in written.uuids.values())
    print(
        f"soak: {seconds:.0f} s, {sessions} sessions, {total} lines written"
        + (f", {unterminated:.0%} without their newline" if unterminated else "")
    )
    for client in clients:
        print(
            f"  {client.name}: {client.requests} requests, "
            f"{len(client.rereads)} whole-session streams, "
            f"{sum(client.errors.values())} errors answered"
        )
        for text, n in client.errors.most_common(5):
            print(f"    {n} x {text}")
    for code, err in exits:
        if code != 0 or "Traceback" in err:
            problems.append(f"a server exited with {code}: {err[-500:]}")
    for problem in problems:
        print("  PROBLEM:", problem)
    errors = sum(sum(c.errors.values()) for c in clients)
    print(
        "  result:",
        "exact" if not problems else "NOT exact",
        f"({errors} errors answered along the way)",
    )
    return 0 if not problems and not errors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the writer writes")
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0, help="lines per second, about")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--no-rereads",
        action="store_true",
        help="no whole-session streams racing a refresh (only follow the sessions' ends)",
    )
    parser.add_argument(
        "--unterminated",
        type=float,
        default=0.0,
        help="share of records written whole but without their newline",
    )
    args = parser.parse_args(argv)
    return run(
        args.seconds, args.sessions, args.rate, args.seed, not args.no_rereads, args.unterminated
    )


if __name__ == "__main__":
    sys.exit(main())
