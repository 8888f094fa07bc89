"""synthgan: privacy-preserving synthetic tabular data.

The public API is small: :class:`Synthesizer` learns a table and samples it (with differential
privacy when given a :class:`Privacy` budget, and fairness control with :class:`Fairness`), :func:`load` reads a saved model, :func:`infer_schema` shows how a table will be modelled, :func:`evaluate` scores a synthetic table against the real one, :func:`audit` checks a DP claim empirically, and the errors below are what
a user can run into.
"""

import importlib
import sys
import types
from typing import Any

from synthgan._version import __version__
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

#: Where each public name lives. They are imported on first use, so that importing the package
#: (as ``synthgan --help`` does) does not load torch, Opacus and scikit-learn.
_LAZY = {
    "Audit": "synthgan.auditing.result",
    "Column": "synthgan.schema",
    "Fairness": "synthgan.fairness",
    "Privacy": "synthgan.privacy",
    "Report": "synthgan.evaluate",
    "Schema": "synthgan.schema",
    "Synthesizer": "synthgan.synthesizer",
    "audit": "synthgan.auditing.audit",
    "evaluate": "synthgan.evaluate",
    "infer_schema": "synthgan.inference",
    "load": "synthgan.synthesizer",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'synthgan' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """The package module. Importing a subpackage sets the package's attribute of that name;
    ``synthgan.evaluate`` must stay the function, not become the ``evaluate`` subpackage."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
