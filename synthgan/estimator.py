"""The scikit-learn estimator contract, for any class whose ``__init__`` only stores its
keyword arguments: ``get_params``, ``set_params``, a ``repr`` of what differs from the
defaults, and declarative validation. ``sklearn.base.clone`` works on such a class."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from synthgan.errors import ConfigError
from synthgan.params import validate

__all__ = ["Estimator"]


class Estimator:
    """Subclasses declare ``_constraints`` (parameter -> constraint from ``synthgan.params``)."""

    _constraints: Mapping[str, Any] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters. ``deep`` is accepted for scikit-learn; the settings
        objects (``Privacy``, ``Fairness``) are values, not estimators, so it adds nothing."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Set constructor parameters (checked at ``fit``, like scikit-learn). Returns self."""
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ConfigError(
                f"{type(self).__name__} has no parameter(s) {unknown}; valid parameters: {names}."
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def _validate_params(self) -> None:
        validate(type(self).__name__, self.get_params(), self._constraints)

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{k}={_short_repr(v)}"
            for k, v in self.get_params().items()
            if v is not defaults.get(k) and _differs(v, defaults.get(k))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def _differs(value: Any, default: Any) -> bool:
    try:
        return bool(value != default)
    except (TypeError, ValueError):  # a table compares element-wise: it is not the default
        return True


def _short_repr(value: Any) -> str:
    """A table parameter (a validation table) shows its shape, not its rows."""
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "columns"):
        return f"<{type(value).__name__} {shape[0]} x {shape[1]}>"
    return repr(value)
