"""Benchmarks: commands that measure on the real datasets and write figures to eval/results/."""
