"""Per-library readers for ``scripts/build_catalog.py``: one module per model library.

Why a package: each library publishes its model facts differently (evaluated cfg dicts in
timm, yaml files in ultralytics, weight enums in torchvision), so each reader lives in its own
module and the entry point only downloads, unzips, combines and writes. Every reader turns an
unzipped wheel directory into rows in the order of ``build_catalog.COLUMNS``.
"""

__all__: list[str] = []
