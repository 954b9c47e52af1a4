"""Benchmarks that print JSON: `python -m tools.bench.matching`, `python -m tools.bench.channels`
(run from the repository root)."""
