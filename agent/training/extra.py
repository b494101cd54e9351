"""Whether the ``train`` extra is installed, and the one line that says how to install it.

Why checked before a worker starts: without torch and the framework, a worker would start, fail
and leave a failed run behind; ``trainchat run`` and "start training" in the chat refuse at once
instead, naming the command. ``find_spec`` looks without importing (torch takes seconds).
"""

from __future__ import annotations

import importlib.util
import os

__all__ = [
    "TRAIN_EXTRA",
    "FRAMEWORK_PACKAGES",
    "missing_training_packages",
    "missing_extra_message",
]

TRAIN_EXTRA = 'pip install -e ".[train]"'
"""How to install the training frameworks (the ``train`` extra)."""

FRAMEWORK_PACKAGES: dict[str, tuple[str, ...]] = {
    "timm": ("torch", "torchvision", "timm"),
    "ultralytics": ("torch", "ultralytics"),
}
"""What each framework's trainer imports."""


def missing_training_packages(framework: str | None) -> list[str]:
    """The packages ``framework``'s trainer needs that are not installed (none when another
    trainer is chosen with ``TRAINCHAT_TRAINER``)."""
    if os.environ.get("TRAINCHAT_TRAINER"):
        return []
    needed = FRAMEWORK_PACKAGES.get(framework or "", ("torch",))
    return [name for name in needed if importlib.util.find_spec(name) is None]


def missing_extra_message(missing: list[str]) -> str:
    """``training needs timm, which is not installed: pip install -e ".[train]"``."""
    verb = "is" if len(missing) == 1 else "are"
    return f"training needs {', '.join(missing)}, which {verb} not installed: {TRAIN_EXTRA}"
