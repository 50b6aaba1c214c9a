"""Benchmarks: comparison runs, the analytic bound, reports, the tuner."""
