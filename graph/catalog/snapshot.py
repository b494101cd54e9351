"""Reading the shipped snapshot (``catalog.json.gz``, written by ``scripts/build_catalog.py``).

The snapshot is the single source of model facts at run time: no library is imported to answer
"which models exist", so the catalog works on a laptop without torch and loads in milliseconds.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from graph.catalog.catalog import Catalog
from graph.catalog.entry import ModelEntry

__all__ = ["SNAPSHOT_FILE", "SNAPSHOT_SCHEMA", "load_catalog", "catalog_from_document"]

SNAPSHOT_FILE = "catalog.json.gz"
"""Package-data file name inside ``graph.catalog``."""
SNAPSHOT_SCHEMA = 1
"""Layout version this reader understands; the build script writes the same number."""

_COLUMNS = (
    "name",
    "framework",
    "task_type",
    "family",
    "params_m",
    "input_size",
    "num_classes",
    "licence",
    "pretrained",
    "pretrained_tags",
)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog of the shipped snapshot, read once per process and then shared."""
    raw = resources.files("graph.catalog").joinpath(SNAPSHOT_FILE).read_bytes()
    return catalog_from_document(json.loads(gzip.decompress(raw)))


def catalog_from_document(document: dict[str, Any]) -> Catalog:
    """Build a ``Catalog`` from a decoded snapshot, refusing layouts this code cannot read."""
    if document.get("schema") != SNAPSHOT_SCHEMA or tuple(document.get("columns", ())) != _COLUMNS:
        raise ValueError(
            f"catalog snapshot has schema {document.get('schema')!r} and columns "
            f"{document.get('columns')!r}; this trainchat reads schema {SNAPSHOT_SCHEMA} with "
            f"columns {list(_COLUMNS)}. Rebuild it with `python scripts/build_catalog.py`."
        )
    entries = [
        ModelEntry(
            name=row[0],
            framework=row[1],
            task_type=row[2],
            family=row[3],
            params_m=row[4],
            input_size=row[5],
            num_classes=row[6],
            licence=row[7],
            pretrained=row[8],
            pretrained_tags=tuple(row[9]),
        )
        for row in document["models"]
    ]
    return Catalog(entries, document["versions"], document.get("aliases", {}))
