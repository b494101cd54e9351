"""Say, once per process, where the shipped model catalog differs from an installed timm/ultralytics.

The catalog is a snapshot of given library versions, so it works without them. When the user's
machine has timm or ultralytics installed, the live package is the truth for what will train:
names it lacks or adds, and a different version, are reported as warnings (never fatal, since
the job may run on another machine with the snapshot's versions).
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import util

from graph.frameworks import FRAMEWORKS

__all__ = ["report_catalog_drift", "LOGGER_NAME"]

LOGGER_NAME = "trainchat.catalog"
"""Logger the differences are reported on (level WARNING)."""

_LIBRARIES = FRAMEWORKS


@cache
def report_catalog_drift() -> tuple[str, ...]:
    """Log and return the differences; cheap (two ``find_spec`` calls) when neither is installed."""
    if not any(util.find_spec(library) is not None for library in _LIBRARIES):
        return ()
    from graph.catalog import check_against_installed

    messages = check_against_installed()
    logger = logging.getLogger(LOGGER_NAME)
    for message in messages:
        logger.warning(message)
    return messages
