"""One checkpoint of given channel values, stored in one call: what many storage tests set up."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)

__all__ = ["put_values"]


def put_values(
    saver: BaseCheckpointSaver[Any],
    target: str | RunnableConfig,
    values: dict[str, Any],
    versions: dict[str, Any] | None = None,
    **metadata: Any,
) -> RunnableConfig:
    """Store a checkpoint holding ``values`` under ``target`` (a thread id, or the config of the
    checkpoint it follows), every channel new at ``versions`` (1 when not given), with
    ``metadata`` added to the generated metadata. Returns the stored checkpoint's config."""
    config = generate_config(target) if isinstance(target, str) else target
    versions = dict.fromkeys(values, 1) if versions is None else versions
    checkpoint = generate_checkpoint(channel_values=values, channel_versions=versions)
    return saver.put(config, checkpoint, generate_metadata(**metadata), versions)
