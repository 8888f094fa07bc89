"""The ``Fairness`` setting: which dependence the synthetic data should not have, and how hard to
push.

One criterion is supported, **demographic parity**: in the synthetic table, the target should not
depend on the sensitive attribute, P(target | sensitive) = P(target). An adversary network tries to
predict each generated row's sensitive value from the generator's distribution over that row's
target; the generator is penalised by the adversary's success (a minimax term with weight λ, see
``synthgan/train/fair.py``). After training, the sample is reweighed so that the (sensitive,
target) table is the product of its marginals (``synthgan/postprocess/raking.py``), which removes what the head
leaves. λ = 0 switches both off and reproduces the unconstrained model exactly.

Intersectional groups: ``sensitive`` may name several columns (e.g. ``("sex", "race")``). They
are then learned as one fixed combination (``synthgan/combinations.py``), whose values are the
groups the head and the raking see; small groups get the evaluator's caveats.

An equalized-odds criterion (the target may depend on the sensitive attribute only through the
true outcome) needs an outcome that the synthetic table does not have apart from its target, so it
is not offered: use demographic parity on the synthetic data, then equalized-odds post-processing
on the model trained from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from synthgan.combinations import group_name
from synthgan.errors import ConfigError, DataError

__all__ = ["CRITERIA", "Fairness"]

CRITERIA = ("demographic_parity",)


@dataclass(frozen=True)
class Fairness:
    """Remove the dependence of ``target`` on ``sensitive`` (discrete columns; ``sensitive``
    may be several, whose combinations are the groups)."""

    sensitive: str | tuple[str, ...]
    target: str
    criterion: str = "demographic_parity"
    weight: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.sensitive, list | tuple):
            object.__setattr__(self, "sensitive", tuple(self.sensitive))  # a list from JSON
            if len(self.sensitive) == 1:
                object.__setattr__(self, "sensitive", self.sensitive[0])
        names = [("target", self.target)] + [("sensitive", c) for c in self.columns]
        for role, value in names:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"Fairness {role} must be a column name; got {value!r}.")
        if self.target in self.columns:
            raise ConfigError(
                f"Fairness sensitive and target are the same column ({self.target!r})."
            )
        if len(set(self.columns)) < len(self.columns) or not self.columns:
            raise ConfigError(
                f"Fairness sensitive must name distinct columns; got {self.sensitive!r}."
            )
        if self.criterion not in CRITERIA:
            raise ConfigError(
                f"Fairness criterion {self.criterion!r} is not supported; choose from {list(CRITERIA)}."
            )
        weight = self.weight
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ConfigError(f"Fairness weight must be a number ≥ 0; got {weight!r}.")

    @property
    def columns(self) -> tuple[str, ...]:
        """The sensitive attribute's columns (one, or several for intersectional groups)."""
        return self.sensitive if isinstance(self.sensitive, tuple) else (self.sensitive,)

    @property
    def intersectional(self) -> bool:
        """Whether the groups are combinations of several columns (learned as one)."""
        return len(self.columns) > 1

    @property
    def group_column(self) -> str:
        """The learned column whose values are the groups: the sensitive column, or the fixed
        combination of the sensitive columns."""
        return group_name(self.columns) if self.intersectional else self.columns[0]

    def check(self, schema) -> None:
        """The group column and the target exist, are modelled, are discrete, and there are
        two groups or more. (With the head off, intersectional columns are not fused: each is
        checked on its own.)"""
        fused = self.active or not self.intersectional
        sensitive = [self.group_column] if fused else list(self.columns)
        self.check_columns(
            schema, [*(("sensitive", c) for c in sensitive), ("target", self.target)]
        )
        if not fused:
            return
        groups = schema[self.group_column].categories or ()
        if len(groups) + schema[self.group_column].nullable < 2:
            raise DataError(
                f"The sensitive column {self.group_column!r} has one group only: {list(groups)}."
            )

    @staticmethod
    def check_columns(schema, columns: list[tuple[str, str]]) -> None:
        """Each (role, name) column exists, is modelled and is discrete."""
        for role, name in columns:
            if name not in schema:
                raise DataError(f"The fairness {role} column {name!r} is not in the table.")
            column = schema[name]
            if not column.learned:
                raise DataError(
                    f"The fairness {role} column {name!r} is not modelled (role {column.role})."
                )
            if not column.discrete:
                raise DataError(
                    f"The fairness {role} column {name!r} is {column.kind}: it must be categorical "
                    "or boolean (bin it first, or override its kind)."
                )

    @property
    def active(self) -> bool:
        """Whether the head trains at all (a weight of 0 turns it off)."""
        return self.weight != 0

    def unpinned(self) -> tuple[str, ...]:
        """Columns that unconditional sampling never pins in the condition vector.

        A row whose condition vector fixes the sensitive value gets its target as the critic
        learned it from real rows of that group, P(target | sensitive), and a row that fixes the
        target gets P(sensitive | target): both are the real dependence the head is there to
        remove (on a test table, pinning them left a parity gap ten times larger). Rows are
        pinned on the other discrete columns instead.
        """
        return (self.group_column, self.target) if self.active else ()

    def parity_pair(self, condition_columns: list[str]) -> tuple[int, int] | None:
        """The positions of (sensitive, target) among the condition vector's columns, which
        raking makes independent; None when the head is off."""
        if not self.active:
            return None
        return condition_columns.index(self.group_column), condition_columns.index(self.target)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, as the model file keeps them."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fairness:
        """The setting read back from :meth:`to_dict`'s values."""
        return cls(**dict(data))
