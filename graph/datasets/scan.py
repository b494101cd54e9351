"""Bounded, loop-safe, confined directory reading shared by every format inspector.

Why a class: the entry budget, the deadline, the visited directories and the allowed roots must
be shared by the whole inspection, so a symlink loop or a million-file tree stops in bounded time
with a clear problem instead of hanging the conversation. ``os.scandir`` gives file types without
a ``stat`` per file; only directories are ``stat``-ed (to remember their ``(st_dev, st_ino)``), and
only the first 16 bytes of an image are read.

Every entry goes through ``Scanner.kind`` and every file through ``Scanner.open``, which is where
hostile trees are handled, one entry at a time, without stopping the scan: a symlink loop or a
broken link is skipped with a warning naming it; a named pipe, socket or device is never opened
(opening a FIFO for reading blocks until a writer comes, and the time budget cannot interrupt an
``open``); an entry outside ``TRAINCHAT_DATASET_ROOTS`` is neither listed nor read.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from typing import Literal

from graph.datasets.confinement import Confinement
from graph.datasets.problems import ProblemLog

__all__ = [
    "Scanner",
    "EntryKind",
    "FileRef",
    "IMAGE_EXTENSIONS",
    "is_image_name",
    "looks_like_image",
]

EntryKind = Literal["dir", "file", "skip"]
"""What a directory entry is to the scanner; ``skip`` entries were already reported."""
FileRef = str | os.DirEntry[str]
"""A file to open: a path, or the ``DirEntry`` a listing gave (its type is then known for free)."""

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY  # never wait on a FIFO, never adopt a tty
_READ_CHUNK = 1 << 24

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
    """Reads directories and files within an entry budget, a deadline and the allowed roots."""

    def __init__(
        self,
        log: ProblemLog,
        *,
        max_entries: int,
        time_budget_s: float,
        confinement: Confinement | None = None,
    ) -> None:
        self.log = log
        self.max_entries = max_entries
        self.deadline = time.monotonic() + time_budget_s
        self.time_budget_s = time_budget_s
        self.confinement = confinement or Confinement(())
        self.entries = 0
        self.errors = 0
        self.truncated = False
        self.last_problem: str | None = None
        """The code recorded by the last failed read, so a reader can tell whether the reason
        already blocks the dataset (an error) or needs its own error (a skipped link)."""
        self._noted: set[tuple[str, str]] = set()

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
            self.note("symlink_loop", path)
            return False
        visited.add(key)
        return True

    def list_dir(self, path: str) -> list[os.DirEntry[str]]:
        """Entries of ``path`` (sorted by name), or [] after recording why it could not be read."""
        if self.exhausted() or not self.permitted(path):
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

    def kind(self, entry: os.DirEntry[str]) -> EntryKind:
        """``dir`` or ``file`` (symlinks followed), else ``skip`` after reporting why.

        Skipped, each with a problem naming the entry: symlink loops, broken links, named pipes,
        sockets and devices, and links leading outside the allowed roots.
        """
        try:
            if entry.is_symlink() and not self.permitted(entry.path, link=True):
                return "skip"
            if entry.is_dir():
                return "dir"
            if entry.is_file():
                return "file"
            mode = entry.stat().st_mode  # a broken link raises here: FileNotFoundError
        except OSError as exc:  # ELOOP from following a link, a broken link, a vanished entry
            self._record_error(entry.path, exc)
            return "skip"
        self.note("not_a_regular_file", entry.path, _mode_name(mode))
        return "skip"

    def subdirs(self, path: str) -> list[os.DirEntry[str]]:
        """Visible subdirectories of ``path`` (symlinks to folders included), sorted by name."""
        return [
            e for e in self.list_dir(path) if not e.name.startswith(".") and self.kind(e) == "dir"
        ]

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
                found = self.kind(entry)
                if found == "dir":
                    if self._enter(entry.path, visited):
                        stack.append(entry.path)
                elif found == "file":
                    yield entry

    def open(self, target: FileRef) -> tuple[int, int] | None:
        """``(fd, size)`` of a regular file inside the roots, or None after recording why.

        Only regular files are opened: others are refused from ``stat`` before ``open`` (opening
        a device can have effects), and ``O_NONBLOCK`` + ``fstat`` catch one swapped in between.
        A ``DirEntry`` from a listing already knows its type, which saves the ``stat``.
        """
        path = target if isinstance(target, str) else target.path
        known = not isinstance(target, str) and _is_file(target)
        opened, flags = path, _OPEN_FLAGS
        if self.confinement.active:
            link = None if isinstance(target, str) else _is_link(target)
            opened = self.confinement.real_path(path, link=link)
            if not self.confinement.contains(opened):
                self.note("entry_outside_roots", path)
                return None
            flags |= os.O_NOFOLLOW  # resolved: a link here now was swapped in after the check
        try:
            if not known and not stat.S_ISREG(mode := os.stat(opened).st_mode):
                self.note("not_a_regular_file", path, _mode_name(mode))
                return None
            fd = os.open(opened, flags)
        except OSError as exc:
            self._record_error(path, exc)
            return None
        try:
            st = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            self._record_error(path, exc)
            return None
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            self.note("not_a_regular_file", path, _mode_name(st.st_mode))
            return None
        return fd, st.st_size

    def read_head(self, target: FileRef, size: int = 16) -> bytes | None:
        """The first ``size`` bytes of a file, or None after recording why it could not be read."""
        return self._read(target, size, refuse_larger=False)

    def read_text(self, target: FileRef, limit: int = 1 << 20) -> str | None:
        """The first ``limit`` bytes of a text file (UTF-8, bad bytes replaced), or None."""
        data = self._read(target, limit, refuse_larger=False)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read_bytes(self, target: FileRef, max_bytes: int) -> bytes | None:
        """A whole file, or None after recording why; larger than ``max_bytes`` is refused
        (``file_too_large``) before anything is read, so one huge file cannot eat the memory."""
        return self._read(target, max_bytes, refuse_larger=True)

    def check_image(self, target: FileRef) -> bool | None:
        """Whether the file's header is an image's; None when it could not be read (recorded).

        Rare kinds without a header check (HEIC, PFM) count as images.
        """
        name = target if isinstance(target, str) else target.name
        dot = name.rfind(".")
        if name[dot:].lower() in _UNSNIFFED:
            return True
        head = self.read_head(target)
        return None if head is None else looks_like_image(head)

    def note(self, code: str, path: str, why: str = "") -> None:
        """Record a skipped entry once per path, however many routes lead to it."""
        self.last_problem = code
        if (code, path) in self._noted:
            return
        self._noted.add((code, path))
        if code == "entry_outside_roots":
            detail = self.confinement.describe()
            self.log.add(code, where="dataset", example=path, detail=detail)
        else:
            self.log.add(code, where="dataset", example=f"{path} ({why})" if why else path)

    def _read(self, target: FileRef, limit: int, *, refuse_larger: bool) -> bytes | None:
        self.last_problem = None
        opened = self.open(target)
        if opened is None:
            return None
        fd, size = opened
        path = target if isinstance(target, str) else target.path
        try:
            if refuse_larger and size > limit:
                detail = f"{size:,} B > {_megabytes(limit)}"
                self.log.add("file_too_large", where=path, detail=detail)
                self.last_problem = "file_too_large"
                return None
            chunks, left = [], min(limit, size) if size > 0 else limit  # size 0: /proc-like
            while left > 0:
                chunk = os.read(fd, min(left, _READ_CHUNK))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        except OSError as exc:
            self._record_error(path, exc)
            return None
        finally:
            os.close(fd)

    def permitted(self, path: str, *, link: bool | None = None) -> bool:
        """Whether ``path`` may be listed or read; if not, ``entry_outside_roots`` names it.

        Remembers the real path, so the entries of an allowed folder resolve from the cache.
        """
        if not self.confinement.active:
            return True
        real = self.confinement.real_path(path, link=link)
        if not self.confinement.contains(real):
            self.note("entry_outside_roots", path)
            return False
        self.confinement.remember(path, real)
        return True

    def _record_error(self, path: str, exc: OSError) -> None:
        self.errors += 1
        if exc.errno == errno.ELOOP:
            self.note("symlink_loop", path)
        elif isinstance(exc, FileNotFoundError) and os.path.islink(path):
            self.note("broken_symlink", path)
        else:
            if isinstance(exc, PermissionError):
                code, example = "permission_denied", path
            elif isinstance(exc, FileNotFoundError):
                code, example = "image_file_missing", path
            else:
                code, example = "unreadable_path", f"{path} ({exc.strerror})"
            self.log.add(code, where="dataset", example=example)
            self.last_problem = code


def _mode_name(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "not a regular file"


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
