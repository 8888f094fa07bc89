"""Evaluators that compare a synthetic table with the real one."""

from synthgan.evaluate.quality import quality_report, sdmetrics_metadata

__all__ = ["quality_report", "sdmetrics_metadata"]
