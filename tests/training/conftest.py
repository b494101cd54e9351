"""Shared set-up for the real-framework trainer tests.

Why one torch thread: CI and this machine run the tests on two shared cores; torch's default of
one thread per core oversubscribes them and a 1-second epoch takes 10. One thread keeps each run
well under its 30-second budget without changing what is trained.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch", reason='the trainers need the "train" extra')
pytest.importorskip("timm")
pytest.importorskip("ultralytics")


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
