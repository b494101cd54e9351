"""The model catalog: every timm, ultralytics and torchvision model, known offline.

``load_catalog()`` reads the snapshot shipped with the package (built from the libraries' own
sources by ``scripts/build_catalog.py``) and answers, in microseconds and without torch:
which model a user means ("ResNet-18", "YOLOv8 nano", "ResNet18로"), what they might have meant
("resnat18" -> resnet18), which models fit a task and size, and what a model is.
"""

from graph.catalog.catalog import Catalog, describe_entry
from graph.catalog.entry import CatalogFramework, ModelEntry, ModelMatch
from graph.catalog.installed import check_against_installed
from graph.catalog.names import normalise_key
from graph.catalog.snapshot import load_catalog

__all__ = [
    "Catalog",
    "CatalogFramework",
    "ModelEntry",
    "ModelMatch",
    "check_against_installed",
    "describe_entry",
    "load_catalog",
    "normalise_key",
]
