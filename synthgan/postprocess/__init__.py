"""Post-processing of generated rows: raking onto released frequencies, a DP target's cells,
and numeric marginal maps. It reads generated rows and released statistics only."""

from synthgan.postprocess.processor import PostProcessor, fit_post_processor

__all__ = ["PostProcessor", "fit_post_processor"]
