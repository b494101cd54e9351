"""Bounded, loop-safe directory reading shared by every format inspector.

Why a class: the entry budget, the deadline and the set of visited directories must be shared
by the whole inspection, so a symlink loop or a million-file tree stops in bounded time with a
clear problem instead of hanging the conversation. ``os.scandir`` gives file types without a
``stat`` per file; only directories are ``stat``-ed (to remember their ``(st_dev, st_ino)``), and
only the first 16 bytes of an image are read.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator

from graph.datasets.problems import ProblemLog

__all__ = ["Scanner", "IMAGE_EXTENSIONS", "is_image_name", "looks_like_image"]

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".mpo"}
    | {".dng", ".heic", ".pfm"}
)
"""Extensions counted as images (ultralytics' IMG_FORMATS plus common JPEG spellings)."""

_UNSNIFFED = frozenset({".heic", ".pfm"})  # no header check for these rarer kinds


def is_image_name(name: str) -> bool:
    """Whether a file name has an image extension (case-insensitive)."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS


def looks_like_image(head: bytes) -> bool:
    """Whether the first bytes of a file are a PNG, JPEG, GIF, BMP, WEBP or TIFF header."""
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith((b"GIF87a", b"GIF89a"))
        or head.startswith(b"BM")
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or head.startswith((b"II*\x00", b"MM\x00*"))
    )


class Scanner:
    """Reads directories and file heads within an entry budget and a deadline."""

    def __init__(self, log: ProblemLog, *, max_entries: int, time_budget_s: float) -> None:
        self.log = log
        self.max_entries = max_entries
        self.deadline = time.monotonic() + time_budget_s
        self.time_budget_s = time_budget_s
        self.entries = 0
        self.errors = 0
        self.truncated = False

    def exhausted(self) -> bool:
        """True once the budget ran out; records ``inspection_truncated`` the first time."""
        if self.truncated:
            return True
        if self.entries >= self.max_entries:
            detail = f"{self.entries} entries read, max_entries={self.max_entries}"
        elif time.monotonic() > self.deadline:
            detail = f"time budget of {self.time_budget_s:g} s used up"
        else:
            return False
        self.truncated = True
        self.log.add("inspection_truncated", where="dataset", detail=detail)
        return True

    def _enter(self, path: str, visited: set[tuple[int, int]]) -> bool:
        """Mark a directory visited in one walk; False (and ``symlink_loop``) when seen before."""
        try:
            st = os.stat(path)
        except OSError as exc:
            self._record_error(path, exc)
            return False
        key = (st.st_dev, st.st_ino)
        if key in visited:
            self.log.add("symlink_loop", where="dataset", example=path)
            return False
        visited.add(key)
        return True

    def list_dir(self, path: str) -> list[os.DirEntry[str]]:
        """Entries of ``path`` (sorted by name), or [] after recording why it could not be read."""
        if self.exhausted():
            return []
        try:
            with os.scandir(path) as it:
                entries = []
                for entry in it:
                    entries.append(entry)
                    self.entries += 1
                    if self.entries >= self.max_entries:
                        break
        except OSError as exc:
            self._record_error(path, exc)
            return []
        entries.sort(key=lambda e: e.name)
        return entries

    def subdirs(self, path: str) -> list[os.DirEntry[str]]:
        """Visible subdirectories of ``path`` (symlinks to folders included), sorted by name."""
        return [e for e in self.list_dir(path) if _is_dir(e) and not e.name.startswith(".")]

    def walk_files(self, top: str) -> Iterator[os.DirEntry[str]]:
        """Every visible file under ``top``, depth first, each directory entered at most once.

        The visited set is per walk: two splits may legitimately list the same folder, but a
        link back into a folder of the same walk is a loop.
        """
        visited: set[tuple[int, int]] = set()
        if not self._enter(top, visited):
            return
        stack = [top]
        while stack and not self.exhausted():
            for entry in self.list_dir(stack.pop()):
                if entry.name.startswith("."):
                    continue
                if _is_dir(entry):
                    if self._enter(entry.path, visited):
                        stack.append(entry.path)
                elif _is_file(entry):
                    yield entry

    def read_head(self, path: str, size: int = 16) -> bytes | None:
        """The first ``size`` bytes of a file, or None after recording why it could not be read."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            self._record_error(path, exc)
            return None
        try:
            return os.read(fd, size)
        except OSError as exc:
            self._record_error(path, exc)
            return None
        finally:
            os.close(fd)

    def read_text(self, path: str, limit: int = 1 << 20) -> str | None:
        """A small text file's content (UTF-8, undecodable bytes replaced), or None."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            self._record_error(path, exc)
            return None
        try:
            return os.read(fd, limit).decode("utf-8", errors="replace")
        except OSError as exc:
            self._record_error(path, exc)
            return None
        finally:
            os.close(fd)

    def check_image(self, path: str, name: str) -> bool | None:
        """Whether the file's header is an image's; None when it could not be read (recorded).

        Rare kinds without a header check (HEIC, PFM) count as images.
        """
        dot = name.rfind(".")
        if name[dot:].lower() in _UNSNIFFED:
            return True
        head = self.read_head(path)
        return None if head is None else looks_like_image(head)

    def _record_error(self, path: str, exc: OSError) -> None:
        self.errors += 1
        if isinstance(exc, PermissionError):
            self.log.add("permission_denied", where="dataset", example=path)
        elif exc.errno == errno.ELOOP:
            self.log.add("symlink_loop", where="dataset", example=path)
        elif isinstance(exc, FileNotFoundError):
            self.log.add("image_file_missing", where="dataset", example=path)
        else:
            self.log.add("unreadable_path", where="dataset", example=f"{path} ({exc.strerror})")


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
