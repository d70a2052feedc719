"""Benchmarks (run as scripts) and their national data set (bench.dataset)."""
