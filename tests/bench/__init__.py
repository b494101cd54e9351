"""Tests of the benchmark harnesses (they run them tiny; benchmarks themselves assert no times)."""
