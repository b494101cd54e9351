"""Where a run's starting weights come from, and the one message when they cannot be had.

Why a module of its own: both trainers must answer the same three questions the same way —
does the user want pretrained weights, did they give a local file, and can the framework's
download be reached — and fail the same way when it cannot: within seconds, one line naming both
fixes. Left to themselves the frameworks do badly offline: timm's hub client retries for about a
minute before failing, ultralytics fails after a few seconds with a traceback.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from agent.training.progress import TrainingError
from graph.config import TrainingConfig

__all__ = [
    "wants_pretrained",
    "local_weights",
    "reachable",
    "require_download",
    "offline_message",
    "PROBE_TIMEOUT_S",
]

PROBE_TIMEOUT_S = 3.0
"""How long to wait for the weights host before calling the network unreachable."""


def wants_pretrained(config: TrainingConfig) -> bool:
    """True unless the user asked to train from scratch (``pretrained`` None means yes)."""
    return config.pretrained is not False


def local_weights(config: TrainingConfig) -> Path | None:
    """The local weights file the user gave, checked to exist; None when none was given.

    Raises ``TrainingError`` when the file is missing, before any framework is loaded.
    """
    given = config.weights
    if not given:
        return None
    path = Path(os.path.expanduser(str(given)))
    if not path.is_file():
        raise TrainingError(
            f"the weights file {path} does not exist: give the path of an existing file, "
            "or train from scratch"
        )
    return path


def reachable(host: str, port: int = 443, *, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to ``host`` opens within ``timeout_s`` (DNS included)."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def offline_message(model: str, host: str) -> str:
    """The one line shown when pretrained weights for ``model`` cannot be downloaded."""
    return (
        f"pretrained weights for {model} cannot be downloaded ({host} is unreachable: no "
        'network?). Either train from scratch (say "from scratch") or give a local weights '
        'file (say "use weights /path/to/weights.pt")'
    )


def require_download(model: str, host: str) -> None:
    """Raise the offline ``TrainingError`` at once when ``host`` cannot be reached."""
    if not reachable(host):
        raise TrainingError(offline_message(model, host))
