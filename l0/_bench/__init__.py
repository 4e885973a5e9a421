"""Benchmark harnesses behind ``python -m l0 bench`` (not part of the public API)."""
