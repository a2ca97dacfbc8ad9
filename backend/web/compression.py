"""Compressed answers: brotli or gzip as the browser asks (Accept-Encoding), for text only.

Static files are compressed once per process and kept (they never change while it runs); pages and
fragments are compressed as they leave, when they are big enough for it to pay.

Pages hold a CSRF token, and compressing a secret next to text an attacker can choose is what BREACH
exploits. Flask-WTF's token is signed with a timestamp, so the token in a page changes every second
and cannot be guessed a byte at a time across the thousands of requests BREACH needs.
"""
from __future__ import annotations

import gzip
import threading

import brotli
from flask import Flask, Request, Response, current_app

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "application/problem+json", "image/svg+xml")
# Answers built per request that are compressed: pages and fragments, the worker, the web app manifest. API
# and sync answers (JSON) are small and read by programs: the CPU would cost more than the bytes saved.
COMPRESSED_AS_BUILT = ("text/html", "application/javascript", "application/manifest+json")
MIN_SIZE = 512  # below this the header costs about what compression saves
GZIP_LEVEL_STATIC, GZIP_LEVEL_PAGE = 9, 6  # static files once per process; pages on every request
BROTLI_QUALITY_STATIC, BROTLI_QUALITY_PAGE = 11, 5
_MAX_KEPT = 1000  # more than every static file in both encodings, for both names

_kept: dict = {}
_keeping = threading.Lock()


def is_compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(COMPRESSIBLE)


def negotiated_encoding(request: Request, mimetype: str | None) -> str | None:
    """"br" or "gzip" when the browser accepts it and the type is worth it, else None (sent as is)."""
    if not is_compressible(mimetype) or not current_app.config.get("WAYBILL_COMPRESS", True):
        return None
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted.quality(encoding) > 0 and encoding in accepted.values():
            return encoding
    return None


def compress(body: bytes, encoding: str, *, static: bool) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY_STATIC if static else BROTLI_QUALITY_PAGE)
    return gzip.compress(body, compresslevel=GZIP_LEVEL_STATIC if static else GZIP_LEVEL_PAGE, mtime=0)


def compressed_variant(key, body: bytes, encoding: str) -> bytes:
    """`body` compressed, computed on first use and kept under `key` (which must name the exact bytes)."""
    kept = _kept.get(key)
    if kept is None:
        kept = compress(body, encoding, static=True)
        with _keeping:
            if len(_kept) < _MAX_KEPT:
                _kept[key] = kept
    return kept


def compress_response(request: Request, response: Response) -> Response:
    """Compress a page, fragment or the worker's script on its way out, when the browser accepts it."""
    # The type first: most answers (the API's JSON) stop at this cheapest test.
    if not (response.mimetype or "").startswith(COMPRESSED_AS_BUILT):
        return response
    if (response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers
            or response.status_code < 200 or response.status_code in (204, 304) or request.method == "HEAD"):
        return response
    encoding = negotiated_encoding(request, response.mimetype)
    response.vary.add("Accept-Encoding")
    if encoding is None:
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(compress(body, encoding, static=False))
    response.headers["Content-Encoding"] = encoding
    # The same content in other bytes: the validator stays, weakened (a 304 still answers a revalidation).
    etag, _weak = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)
    return response


def init_compression(app: Flask) -> None:
    """Compress every answer the app builds (static files compress themselves, from the kept copies)."""
    from flask import request

    @app.after_request
    def compressed(response):
        return compress_response(request, response)
