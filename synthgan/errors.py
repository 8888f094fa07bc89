"""The exceptions synthgan raises for problems a user can cause.

Every error inherits :class:`SynthganError` and the builtin it resembles, so callers can catch
either ``SynthganError`` or, say, ``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "ConditionError",
    "ConfigError",
    "DataError",
    "InputFileError",
    "ModelFileError",
    "NotFittedError",
    "PrivacyError",
    "SchemaError",
    "SynthganError",
    "TrainingError",
]


class SynthganError(Exception):
    """Root of every error synthgan raises on purpose."""


class ConfigError(SynthganError, ValueError):
    """A parameter has a value outside what it accepts."""


class DataError(SynthganError, ValueError):
    """The input table cannot be learned as given (empty, inf values, mixed types...)."""


class SchemaError(SynthganError, ValueError):
    """A schema or schema override is invalid or does not match the table."""


class ConditionError(SynthganError, ValueError):
    """A sampling condition names an unknown column, an unseen value or an impossible combination."""


class ModelFileError(SynthganError, ValueError):
    """A model file is not a valid synthgan model (truncated, tampered, wrong version...)."""


class InputFileError(SynthganError, OSError):
    """A data file cannot be read or written."""


class NotFittedError(SynthganError, ValueError, AttributeError):
    """The object is used before ``fit`` was called."""


class PrivacyError(SynthganError, ValueError):
    """A differential-privacy request cannot be honoured as given (budget, declarations, options)."""


class TrainingError(SynthganError, RuntimeError):
    """Training cannot go on to a usable model (it diverged); nothing was saved."""
