"""Fixtures of the Ray cluster scenarios; they only run inside the namespace ``test_ray_cluster``
makes (see ``tests/ray/cluster.py``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ray.cluster import NAMESPACE_ENV, LocalRayHead


@pytest.fixture(scope="session")
def ray_head() -> Iterator[LocalRayHead]:
    """A real Ray head on 127.0.0.1 for the whole session; ``ray stop`` however the tests end."""
    marker = os.environ.get(NAMESPACE_ENV)
    if not marker:
        pytest.skip("runs inside the network namespace made by tests/ray/test_ray_cluster.py")
    head = LocalRayHead(temp_dir=Path(tempfile.mkdtemp(prefix=marker)))
    try:
        head.start()
        yield head
    finally:
        head.stop()
