"""Where generated documents are kept: content-addressed files every host can read.

A file's name is the SHA-256 of its bytes, so the database row that records the hash
finds the file on any host that shares the folder, a file once written never changes,
and reading it back can prove it has not. ``LocalDocumentStore`` writes under
``DOCUMENTS_DIR`` (``EXPO_DOCUMENTS_DIR``, by default ``instance/documents/``); with several
web hosts that folder is a shared mount. An object store (S3 and the like) would be another
``DocumentStore`` with the same three methods.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from expo.errors import DomainError

CHUNK_SIZE = 1024 * 1024


class DocumentMissing(LookupError):
    """The database knows a document whose file the store does not have."""


class DocumentCorrupted(RuntimeError):
    """A stored file no longer matches the SHA-256 it was stored under."""


class StorageUnwritable(DomainError):
    """The documents folder cannot take a file (full, read-only, no permission): nothing
    was stored, so nothing may be recorded as made; try again once it can."""

    message = _l(
        "The documents folder cannot be written (%(reason)s): nothing was issued or stored. "
        "Ask the administrator to free space or fix the folder, then try again."
    )
    status_code = 503


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DocumentStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256 in hex."""

    def put_file(self, source: BinaryIO) -> str:
        """Store what ``source`` holds, read in chunks; its SHA-256 in hex."""

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; checks them against it."""

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str, *, checked: bool = False) -> BinaryIO:
        """The stored file to read in pieces (large bundles); ``checked``: read through
        once against its SHA-256 first (``DocumentCorrupted``), then given from its start."""


class LocalDocumentStore:
    """Files under one folder, ``ab/cd/abcd….pdf``, so no directory grows too large."""

    suffix = ".pdf"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}{self.suffix}"

    def put(self, data: bytes) -> str:
        digest = sha256_of(data)
        try:
            if self.path(digest).exists():
                return digest  # same bytes, same name: already there
        except OSError as error:  # a folder that may not be entered (EACCES)
            raise StorageUnwritable(reason=error.strerror or type(error).__name__) from error
        return self.put_file(BytesIO(data))

    def put_file(self, source: BinaryIO) -> str:
        """Store a large file (a bundle of certificates) without holding it in memory."""
        try:
            return self._put_file(source)
        except OSError as error:
            raise StorageUnwritable(reason=error.strerror or type(error).__name__) from error

    def _put_file(self, source: BinaryIO) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        # Written beside the target and renamed into place: a reader on another host
        # sees the whole file or none of it.
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    file.write(chunk)
                file.flush()
                os.fsync(file.fileno())
            target = self.path(digest.hexdigest())
            if target.exists():
                Path(temporary).unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temporary, 0o440)
                os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest.hexdigest()

    def get(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError as error:
            raise DocumentMissing(sha256) from error
        if sha256_of(data) != sha256:
            raise DocumentCorrupted(sha256)
        return data

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str, *, checked: bool = False) -> BinaryIO:
        try:
            file = self.path(sha256).open("rb")
        except FileNotFoundError as error:
            raise DocumentMissing(sha256) from error
        if checked:
            try:
                digest = hashlib.sha256()
                while chunk := file.read(CHUNK_SIZE):
                    digest.update(chunk)
                if digest.hexdigest() != sha256:
                    raise DocumentCorrupted(sha256)
                file.seek(0)
            except BaseException:
                file.close()
                raise
        return file


def documents_dir() -> Path:
    """The folder of the configured store (``DOCUMENTS_DIR``, else ``instance/documents``)."""
    return Path(
        current_app.config.get("DOCUMENTS_DIR")
        or os.path.join(current_app.instance_path, "documents")
    )


def document_store() -> DocumentStore:
    """The store configured for this app."""
    return LocalDocumentStore(documents_dir())
