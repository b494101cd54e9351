"""Dataset inspection: what is at a path, how it is split, its classes and every problem.

``inspect_dataset`` is the entry point; ``check_compatibility`` tells whether a detected
format suits a framework and task. One module per format (``imagefolder``, ``yolo``, ``coco``,
``voc``); ``samples`` writes small valid or deliberately broken datasets for tests and demos.
"""

from graph.datasets.compatibility import check_compatibility, compatible_formats
from graph.datasets.inspection import ROOTS_ENV, inspect_dataset
from graph.datasets.problems import PROBLEM_CODES
from graph.datasets.report import DatasetProblem, DatasetReport, SplitSummary

__all__ = [
    "inspect_dataset",
    "DatasetReport",
    "DatasetProblem",
    "SplitSummary",
    "compatible_formats",
    "check_compatibility",
    "PROBLEM_CODES",
    "ROOTS_ENV",
]
