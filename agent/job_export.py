"""The confirmed job as text: one table from an export format to the job's own renderer.

``agent.export(thread, format)``, ``trainchat export --format`` and the chat's ``/export`` all
print through ``render_job``, so a format is added (or spelled) in one place. The renderers
themselves belong to the job (``graph.job.TrainingJob``: ``to_json``, ``to_yaml``,
``command_line``); this module only chooses. Light on purpose: the CLI imports it for its
``--format`` choices before anything heavy is loaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.job import TrainingJob

__all__ = ["ExportFormat", "EXPORT_FORMATS", "render_job"]


class ExportFormat(StrEnum):
    """How a confirmed job is exported: a JSON or YAML document, or the command that runs it."""

    json = "json"
    yaml = "yaml"
    cmd = "cmd"


EXPORT_FORMATS: tuple[str, ...] = tuple(item.value for item in ExportFormat)
"""The format names, in the order the help texts list them."""


def render_job(job: TrainingJob, export_format: str) -> str:
    """``job`` in ``export_format``; ``ValueError`` naming the formats for any other name."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}, got {export_format!r}")
    renderers = {
        ExportFormat.json: job.to_json,
        ExportFormat.yaml: job.to_yaml,
        ExportFormat.cmd: job.command_line,
    }
    return renderers[ExportFormat(export_format)]()
