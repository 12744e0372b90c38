"""Benchmarks (``make bench``): not part of the test run; each prints its rows for one table."""
