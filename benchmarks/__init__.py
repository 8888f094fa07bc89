"""Benchmarks: synthgan side by side with reference tools, measured in the same run."""
