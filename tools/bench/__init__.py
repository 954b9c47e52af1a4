"""Benchmarks that print JSON: `python -m tools.bench.matching`, `python -m tools.bench.channels`,
`python -m tools.bench.startup` (run from the repository root)."""
