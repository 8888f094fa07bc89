"""Sampling a fitted model: conditions a user may ask for, and the engine that generates."""

from synthgan.sampling.conditions import Condition, parse_conditions
from synthgan.sampling.engine import CHUNK_ROWS, SamplingEngine, sample_matching

__all__ = ["CHUNK_ROWS", "Condition", "SamplingEngine", "parse_conditions", "sample_matching"]
