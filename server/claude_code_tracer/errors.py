"""Domain errors of the core. The faces map them: InvalidRequest -> JSON-RPC InvalidParams (-32602),
SourceUnavailable -> RequestFailed (-32803); the CLI prints the message and exits non-zero."""


class TracerError(Exception):
    """Base of every error the core raises on purpose; its message is meant for a person."""


class InvalidRequest(TracerError):
    """The request cannot be answered as asked: unknown session, bad cursor, outside the root."""


class SessionNotFound(InvalidRequest):
    pass


class InvalidCursor(InvalidRequest):
    pass


class OutsideRoot(InvalidRequest):
    pass


class SourceUnavailable(TracerError):
    """Reading a transcript failed for a reason outside the request (I/O error, file vanished)."""


class StaleRow(SourceUnavailable):
    """A line read again from disk is not the one its row was parsed from: the file was rewritten
    in place. The session's tables were dropped; asking again reloads them."""
