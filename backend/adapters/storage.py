"""Uploaded images on the local filesystem (config BLOB_DIR, default <instance>/blobs).

Files are named by their SHA-256, so the same bytes are stored once and a retried upload rewrites
nothing. A file is written to a temporary name in the same directory and then renamed: a reader never
sees half a photo, and a crash leaves only a temp file behind, never a corrupt blob.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..domain.delivery import BlobTooLarge

CHUNK = 64 * 1024


class LocalBlobStorage:
    """Content-addressed files under one directory: key = sha256 hex, split in two levels."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def save(self, stream, *, max_bytes: int, accept=None) -> tuple[str, int, bytes]:
        """Copy `stream` into storage; returns (sha256 hex, size, first bytes). Raises BlobTooLarge past the cap.

        The hash is computed while copying; `accept(sha256, size, head)` may raise to refuse the file
        (wrong hash, not an image) before it takes its name, so refused bytes never enter storage.
        """
        staged = self.stage(stream, max_bytes=max_bytes, accept=accept)
        try:
            staged.place()
        finally:
            staged.discard()
        return staged.key, staged.size, staged.head

    def stage(self, stream, *, max_bytes: int, accept=None) -> "Staged":
        """Copy `stream` to a temporary file and hash it, without giving it its name yet.

        The caller decides: `place()` once the upload is accepted (before its record commits, so a record
        never names missing bytes), `discard()` always at the end (a refused upload leaves nothing behind,
        and a file that already held these bytes for another record is never touched).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        handle, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlobTooLarge(size)
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            if accept is not None:
                accept(key, size, head)
            return Staged(self._path(key), Path(temp_name), key, size, head)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def open(self, key: str):
        """The stored bytes of `key` as a binary file (the caller closes it)."""
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        """True when the bytes of `key` are stored."""
        return self._path(key).is_file()

    def read(self, key: str) -> bytes:
        """All bytes of `key` (small images only)."""
        return self._path(key).read_bytes()


class Staged:
    """Bytes copied and hashed, waiting under a temporary name until the upload is accepted."""

    def __init__(self, target: Path, temp: Path, key: str, size: int, head: bytes):
        self.target, self.temp, self.key, self.size, self.head = target, temp, key, size, head
        self.placed = False

    def place(self) -> None:
        """Give the bytes their content-addressed name (atomic; the same bytes get the same name)."""
        if self.placed:
            return
        self.target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.temp, self.target)
        self.placed = True

    def discard(self) -> None:
        """Remove the temporary copy if it was never placed."""
        if not self.placed:
            self.temp.unlink(missing_ok=True)
