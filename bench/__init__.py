"""Benchmarks of Waybill against bare baselines (see bench/README.md)."""
