"""Keeping inspection inside ``TRAINCHAT_DATASET_ROOTS``, entry by entry.

Why per entry: checking only the path the user gave is not enough. A symlink inside an allowed
dataset (``train/leak -> /home/someone/private``), an absolute path in a ``data.yaml`` or a
``../../`` COCO file name would make the scanner list or read a folder outside the roots. So the
scanner asks ``Confinement`` before every directory it lists and every file it opens.

Why it stays cheap: the real path of each listed directory is cached, and an entry that is not a
symlink lives where its (already checked) parent does, so only links and paths read out of
dataset files cost a ``realpath``. With no roots set nothing is resolved at all.

Limit: a check and the open that follows are two system calls. Someone who can rewrite the
dataset while it is being inspected could swap a folder for a link in between; files are opened
by their resolved path with ``O_NOFOLLOW``, which closes that gap for the last component only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = ["ROOTS_ENV", "Confinement", "allowed_roots"]

ROOTS_ENV = "TRAINCHAT_DATASET_ROOTS"
"""Environment variable: ``os.pathsep``-separated folders inspection is confined to."""


def allowed_roots() -> tuple[str, ...]:
    """The resolved folders of ``TRAINCHAT_DATASET_ROOTS``; empty means no confinement."""
    raw = os.environ.get(ROOTS_ENV, "")
    return tuple(os.path.realpath(p) for p in raw.split(os.pathsep) if p.strip())


class Confinement:
    """Resolves paths (symlinks and ``..`` included) and tells whether they are inside roots."""

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = tuple(roots)
        self._prefixes = tuple(r if r.endswith(os.sep) else r + os.sep for r in self.roots)
        self._real_dirs: dict[str, str] = {}

    @property
    def active(self) -> bool:
        """Whether any root is set (no roots: every path is allowed and nothing is resolved)."""
        return bool(self.roots)

    def describe(self) -> str:
        """The roots as the environment variable spells them, for messages."""
        return os.pathsep.join(self.roots)

    def contains(self, real: str) -> bool:
        """Whether an already resolved path is one of the roots or below one."""
        return real in self.roots or real.startswith(self._prefixes)

    def allows(self, path: str) -> bool:
        """Whether ``path``, once symlinks and ``..`` are resolved, is inside the roots."""
        return not self.active or self.contains(self.real_path(path))

    def real_path(self, path: str, *, link: bool | None = None) -> str:
        """``os.path.realpath(path)``, reusing the cached real path of its folder.

        ``link`` says whether the last component is a symlink when the caller already knows
        (a ``DirEntry`` does, for free); ``None`` costs one ``lstat``.
        """
        head, tail = os.path.split(path)
        if tail in ("", os.curdir, os.pardir):
            return self._real_dir(path)
        candidate = os.path.join(self._real_dir(head or os.curdir), tail)
        if link is None:
            link = os.path.islink(candidate)
        return os.path.realpath(candidate) if link else candidate

    def remember(self, path: str, real: str) -> None:
        """Cache a directory's real path so its entries resolve without another ``realpath``."""
        self._real_dirs[path] = real

    def _real_dir(self, path: str) -> str:
        real = self._real_dirs.get(path)
        if real is None:
            real = self._real_dirs[path] = os.path.realpath(path)
        return real
