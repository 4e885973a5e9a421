"""asv benchmarks for l0; one module per l0 topic (see docs/benchmarks.md)."""
