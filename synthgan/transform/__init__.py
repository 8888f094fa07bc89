"""Reversible encoding of a table into the float matrix the GAN learns."""

from synthgan.transform.table import Span, TableTransformer

__all__ = ["Span", "TableTransformer"]
