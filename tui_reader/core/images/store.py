"""The pictures kept for offline reading: a folder of files named by a hash of their address,
bounded in size, the least recently used evicted first.

"Used" is the file's modification time, set when a picture is stored and each time it is
read (access times are often not kept by the file system). Files are written atomically, so
a crash leaves a picture whole or absent, and several threads (or the reader and a
``tui-reader fetch --images``) may use the folder at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import suppress
from pathlib import Path

from ..errors import CacheError
from ..user.atomic import write_bytes_atomically

DEFAULT_MAX_MB = 500


class PictureStore:
    """Pictures in ``folder``, at most ``max_bytes`` in all."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes stored, counted on the first write

    def path_for(self, url: str) -> Path:
        """The file a picture's address is kept in."""
        name = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        return self.folder / name[:2] / name

    def has(self, url: str) -> bool:
        """Whether the picture at ``url`` is stored."""
        return self.path_for(url).is_file()

    def get(self, url: str) -> bytes | None:
        """The stored picture (marked as just used), or None."""
        path = self.path_for(url)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        with suppress(OSError):
            os.utime(path)
        return data

    def put(self, url: str, data: bytes) -> None:
        """Keep ``data`` as the picture at ``url``, then evict the least recently used
        pictures past the bound. Raises :class:`CacheError` if it cannot be written."""
        path = self.path_for(url)
        try:
            old = path.stat().st_size if path.is_file() else 0
            write_bytes_atomically(path, data)
        except OSError as error:
            raise CacheError(f"A picture could not be kept in {self.folder} ({error}).") from error
        with self._lock:
            self._total = (self._count() if self._total is None else self._total) + len(data) - old
            if self._total > self.max_bytes:
                self._total = self._evict(keep=path)

    def size(self) -> int:
        """Bytes stored now (counted from the folder)."""
        return sum(size for _, _, size in self._files())

    def evict(self) -> int:
        """Evict past the bound now; returns the bytes still stored."""
        with self._lock:
            self._total = self._evict()
            return self._total

    def _count(self) -> int:
        return sum(size for _, _, size in self._files())

    def _files(self) -> list[tuple[float, Path, int]]:
        """Every stored picture: (last used, path, size)."""
        found: list[tuple[float, Path, int]] = []
        if not self.folder.is_dir():
            return found
        for entry in self.folder.iterdir():
            if not entry.is_dir():
                continue
            for file in entry.iterdir():
                if file.name.startswith("."):
                    continue  # a write in progress
                with suppress(OSError):
                    info = file.stat()
                    found.append((info.st_mtime, file, info.st_size))
        return found

    def _evict(self, keep: Path | None = None) -> int:
        """Delete the least recently used pictures until the rest fit; the bytes left."""
        files = sorted(self._files())
        total = sum(size for _, _, size in files)
        for _, path, size in files:
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with suppress(OSError):
                path.unlink()
                total -= size
        return total
