"""Request bodies are capped by the bytes read, not by what the Content-Length header claims.

werkzeug applies `max_content_length` to a body without Content-Length (Transfer-Encoding: chunked)
only as a read limit: `read()` stops quietly at the limit, so an oversized JSON body reached the app
cut short (a misleading 400) and a form body could parse truncated. Here a chunked body that goes past
the request's cap raises 413 as soon as one byte too many is read. Before the answer goes out, the rest of
an unread chunked body is read and thrown away (up to DRAIN_LIMIT), so a client that sends its whole body
before reading the answer gets the 413 instead of a reset connection or a hang.
"""
from __future__ import annotations

import io

from flask import Request, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.utils import cached_property

DRAIN_LIMIT = 16 * 1024 * 1024
CHUNK = 64 * 1024


class _CappedInput(io.RawIOBase):
    """A terminated input stream that raises 413 once more than `cap` bytes have been read."""

    def __init__(self, stream, cap: int):
        self._stream, self._cap, self._read, self._over = stream, cap, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._over:
            raise RequestEntityTooLarge(f"The request body may be at most {self._cap // 1024} KB.")
        wanted = min(len(buffer), self._cap + 1 - self._read)  # one byte past the cap is enough to know
        try:
            data = self._stream.read(wanted)
        except (OSError, ValueError) as exc:
            raise ClientDisconnected() from exc
        if self._read + len(data) > self._cap:
            # Hand over the bytes up to the cap (a reader with its own, smaller cap sees its limit pass
            # and answers in its own words); the next read is the 413.
            self._over = True
            data = data[:self._cap - self._read]
            if not data:
                raise RequestEntityTooLarge(f"The request body may be at most {self._cap // 1024} KB.")
        self._read += len(data)
        buffer[:len(data)] = data
        return len(data)


def _chunked(environ) -> bool:
    return "wsgi.input_terminated" in environ and not environ.get("CONTENT_LENGTH")


class CappedRequest(Request):
    """Flask's request, whose chunked body stream enforces `max_content_length` strictly."""

    @cached_property
    def stream(self):
        """The body; for a chunked body with a cap, a stream that answers 413 past the cap."""
        cap = self.max_content_length
        if cap is None or self.shallow or not _chunked(self.environ):
            return super().stream
        return _CappedInput(self.environ["wsgi.input"], cap)


def drain_unread_chunked_body(response):
    """after_request: read what is left of a chunked body so the client can finish sending and see the answer."""
    if _chunked(request.environ):
        stream, left = request.environ["wsgi.input"], DRAIN_LIMIT
        try:
            while left > 0:
                data = stream.read(min(CHUNK, left))
                if not data:
                    break
                left -= len(data)
        except (OSError, ValueError):
            pass  # the client went away: nothing to answer
    return response
