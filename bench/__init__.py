"""Benchmarks of trainchat against its peers; each area has one command, figures go to BENCHMARKS.md.

Benchmarks are measurements, not tests: nothing here asserts a time. ``python -m bench.storage
--all`` runs the storage comparison (``storage.SQLSaver`` against LangGraph's ``SqliteSaver`` and
``PostgresSaver``) in one run and rewrites the Storage section of BENCHMARKS.md.
"""
