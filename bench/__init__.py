"""Benchmarks: run `make bench` (bench/run.py). Timing targets live here, not in the tests."""
