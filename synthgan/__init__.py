"""synthgan: privacy-preserving synthetic tabular data.

The public API is small: :class:`Synthesizer` learns a table and samples it (with differential
privacy when given a :class:`Privacy` budget, and fairness control with :class:`Fairness`), :func:`load` reads a saved model, :func:`infer_schema` shows how a table will be modelled, :func:`evaluate` scores a synthetic table against the real one, :func:`audit` checks a DP claim empirically, and the errors below are what
a user can run into.
"""

from synthgan._version import __version__
from synthgan.auditing.audit import audit
from synthgan.auditing.result import Audit
from synthgan.errors import (
    ConditionError,
    ConfigError,
    DataError,
    InputFileError,
    ModelFileError,
    NotFittedError,
    PrivacyError,
    SchemaError,
    SynthganError,
    TrainingError,
)
from synthgan.evaluate import Report, evaluate
from synthgan.fairness import Fairness
from synthgan.inference import infer_schema
from synthgan.privacy import Privacy
from synthgan.schema import Column, Schema
from synthgan.synthesizer import Synthesizer, load

__all__ = [
    "Audit",
    "Column",
    "ConditionError",
    "ConfigError",
    "DataError",
    "Fairness",
    "InputFileError",
    "ModelFileError",
    "NotFittedError",
    "Privacy",
    "PrivacyError",
    "Report",
    "Schema",
    "SchemaError",
    "Synthesizer",
    "SynthganError",
    "TrainingError",
    "__version__",
    "audit",
    "evaluate",
    "infer_schema",
    "load",
]
