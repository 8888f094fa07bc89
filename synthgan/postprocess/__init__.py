"""Post-processing of generated rows: raking onto released frequencies, a DP target's cells,
numeric marginal maps and, without DP, a density-ratio classifier. Only the last reads real rows."""

from synthgan.postprocess.processor import TENSOR_PREFIX, PostProcessor, fit_post_processor

__all__ = ["TENSOR_PREFIX", "PostProcessor", "fit_post_processor"]
