"""Evaluators that compare a synthetic table with the real one: quality, utility, privacy risk and
fairness, with a report as text, JSON or one self-contained HTML file."""

from synthgan.evaluate.evaluation import evaluate
from synthgan.evaluate.quality import quality_report
from synthgan.evaluate.report import Report

__all__ = ["Report", "evaluate", "quality_report"]
